"""Reaching users: login identifiers (email / mainland mobile number), the texts
we send, and the senders that deliver them.

Senders are pluggable: real SMTP for email, and a development outbox (a JSON
lines file plus a log line) that local runs and tests read the codes from. The
dev outbox delivers nothing: it must not be configured in production. There is
no real SMS provider yet; one only needs a `send(phone, text)` method.
"""
import json
import logging
import smtplib
import ssl
import threading
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import NamedTuple, Protocol

from servicekit.contact import (  # noqa: F401 - identity's login identifiers are these
    field_error, nfkc, mask_email, mask_phone, normalise_email, normalise_phone,
)
from servicekit.errors import ServiceUnavailable, ValidationFailed

log = logging.getLogger("suanpan.identity.notify")

EMAIL = "email"
PHONE = "phone"
SMS = "sms"

PURPOSE_REGISTER = "register"
PURPOSE_RESET_PASSWORD = "reset_password"


# --------------------------------------------------------------------------- login identifiers

_BAD_LOGIN = ("请输入邮箱或手机号", "enter an email address or a mobile number")


def classify_login(text):
    """("email", address) or ("phone", 11 digits); ValidationFailed(code="INVALID_LOGIN") otherwise."""
    login = nfkc(text)
    try:
        if "@" in login:
            return EMAIL, normalise_email(login, field="login")
        return PHONE, normalise_phone(login, field="login")
    except ValidationFailed:
        raise field_error("login", "INVALID_LOGIN", _BAD_LOGIN) from None


def mask_login(kind, value):
    return mask_email(value) if kind == EMAIL else mask_phone(value)


# --------------------------------------------------------------------------- message texts
# Chinese first, English below, in every message.

_PURPOSES = {
    PURPOSE_REGISTER: ("注册", "registration"),
    PURPOSE_RESET_PASSWORD: ("重置密码", "password reset"),
}


def _purpose(purpose):
    try:
        return _PURPOSES[purpose]
    except KeyError:
        raise ValueError(f"unknown verification purpose {purpose!r}") from None


def verification_code_email(code, purpose, ttl_minutes=10):
    """(subject, body) of the email carrying a verification code."""
    zh, en = _purpose(purpose)
    subject = f"算盘{zh}验证码 / Suanpan {en} code"
    body = (
        f"您的验证码是 {code}，{ttl_minutes}分钟内有效。如非本人操作，请忽略本邮件。\n"
        f"Your verification code is {code}, valid for {ttl_minutes} minutes. "
        f"If you did not ask for it, ignore this email.\n"
    )
    return subject, body


def verification_code_sms(code, purpose, ttl_minutes=10):
    """The SMS text carrying a verification code (kept short: one SMS segment costs money)."""
    zh, en = _purpose(purpose)
    return (
        f"【算盘】您的{zh}验证码是 {code}，{ttl_minutes}分钟内有效。\n"
        f"Your Suanpan {en} code is {code}, valid for {ttl_minutes} minutes."
    )


def new_device_login_email(at, ip, device):
    """(subject, body) warning of a sign-in from a device or address not seen before."""
    when = at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if isinstance(at, datetime) else str(at)
    subject = "算盘新设备登录提醒 / New sign-in to Suanpan"
    body = (
        f"您的账号于 {when} 在新设备或新地址登录（IP：{ip}，设备：{device}）。"
        f"如非本人操作，请立即修改密码。\n"
        f"Your account was signed in to at {when} from a new device or address "
        f"(IP: {ip}, device: {device}). If this was not you, change your password now.\n"
    )
    return subject, body


def password_changed_email(at):
    """(subject, body) confirming a password change."""
    when = at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if isinstance(at, datetime) else str(at)
    subject = "算盘密码已修改 / Your Suanpan password was changed"
    body = (
        f"您的密码已于 {when} 修改。如非本人操作，请立即联系管理员。\n"
        f"Your password was changed at {when}. If this was not you, contact your administrator now.\n"
    )
    return subject, body


# --------------------------------------------------------------------------- senders

class Sender(Protocol):
    """Delivers an email (or any message with a subject)."""

    def send(self, to, subject, body): ...


class SmsProvider(Protocol):
    """Delivers an SMS to an 11-digit mainland number."""

    def send(self, phone, text): ...


class NotifyError(ServiceUnavailable):
    default_code = "NOTIFY_FAILED"
    default_zh = "消息发送失败，请稍后再试"
    default_en = "The message could not be sent, try again later"


class SmtpEmailSender:
    """Sends through an SMTP server: STARTTLS when `use_tls` (port 587), implicit
    TLS when `use_ssl` (port 465), plain otherwise (a local relay only)."""

    def __init__(self, host, port, username=None, password=None, use_tls=True, from_addr=None, *,
                 use_ssl=False, timeout=10, ssl_context=None):
        if not host or not from_addr:
            raise ValueError("SmtpEmailSender needs a host and a from address")
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.use_tls = use_tls
        self.use_ssl = use_ssl
        self.from_addr = from_addr
        self.timeout = timeout
        self.ssl_context = ssl_context

    def build_message(self, to, subject, body):
        message = EmailMessage()
        message["From"] = self.from_addr
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=parseaddr(self.from_addr)[1].rpartition("@")[2] or None)
        message.set_content(body, charset="utf-8")
        return message

    def send(self, to, subject, body):
        message = self.build_message(to, subject, body)
        context = self.ssl_context or ssl.create_default_context()
        try:
            if self.use_ssl:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.use_tls and not self.use_ssl:
                    client.starttls(context=context)
                if self.username:
                    client.login(self.username, self.password or "")
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("email to %s failed: %s", mask_email(to), exc)
            raise NotifyError(details={"channel": EMAIL}) from exc
        log.info("email sent to %s: %s", mask_email(to), subject)


class DevOutbox:
    """Appends one JSON line per message to a file (creating its folder) and logs it.

    Local runs and tests read verification codes from here. One lock per
    process keeps lines whole when several green threads send at once.
    """

    def __init__(self, path, clock=None):
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()

    def write(self, channel, to, subject, body):
        record = {
            "at": self._clock().isoformat(),
            "channel": channel,
            "to": to,
            "subject": subject,
            "body": body,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        # The whole message, code included: this sender exists so developers can read it.
        log.info("dev outbox %s to %s: %s %s", channel, to, subject or "", body)
        return record

    def read(self):
        """Every record written so far (for tests and dev tooling)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]


class DevOutboxSender:
    """Sender (email) that writes to the dev outbox instead of delivering."""

    def __init__(self, path, clock=None, channel=EMAIL):
        self.outbox = path if isinstance(path, DevOutbox) else DevOutbox(path, clock)
        self.channel = channel

    def send(self, to, subject, body):
        self.outbox.write(self.channel, to, subject, body)


class DevOutboxSmsSender:
    """SmsProvider that writes to the dev outbox instead of delivering."""

    def __init__(self, path, clock=None):
        self.outbox = path if isinstance(path, DevOutbox) else DevOutbox(path, clock)

    def send(self, phone, text):
        self.outbox.write(SMS, phone, None, text)


class Senders(NamedTuple):
    email: Sender
    sms: SmsProvider


DEFAULT_DEV_OUTBOX = "var/dev-outbox.jsonl"
_TRUE = {"1", "true", "yes", "on"}


def _flag(value, default):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def build_senders(config):
    """The email sender and SMS provider the settings ask for.

    NOTIFY_EMAIL_BACKEND: "dev" (default) or "smtp" (SMTP_HOST, SMTP_PORT=587,
    SMTP_USERNAME, SMTP_PASSWORD, SMTP_USE_TLS=true, SMTP_USE_SSL=false, SMTP_FROM).
    NOTIFY_SMS_BACKEND: "dev" (default). NOTIFY_DEV_OUTBOX: the outbox file.
    A misconfiguration raises ValueError at startup rather than at the first send.
    """
    config = config or {}
    outbox = DevOutbox(config.get("NOTIFY_DEV_OUTBOX") or DEFAULT_DEV_OUTBOX)

    email_backend = str(config.get("NOTIFY_EMAIL_BACKEND") or "dev").strip().lower()
    if email_backend == "dev":
        email = DevOutboxSender(outbox)
    elif email_backend == "smtp":
        host, from_addr = config.get("SMTP_HOST"), config.get("SMTP_FROM")
        if not host or not from_addr:
            raise ValueError("NOTIFY_EMAIL_BACKEND=smtp needs SMTP_HOST and SMTP_FROM")
        email = SmtpEmailSender(
            host=host,
            port=int(config.get("SMTP_PORT") or 587),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            use_tls=_flag(config.get("SMTP_USE_TLS"), True),
            use_ssl=_flag(config.get("SMTP_USE_SSL"), False),
            from_addr=from_addr,
            timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 10),
        )
    else:
        raise ValueError(f"unknown NOTIFY_EMAIL_BACKEND {email_backend!r}: use 'smtp' or 'dev'")

    sms_backend = str(config.get("NOTIFY_SMS_BACKEND") or "dev").strip().lower()
    if sms_backend == "dev":
        sms = DevOutboxSmsSender(outbox)
    else:
        raise ValueError(f"unknown NOTIFY_SMS_BACKEND {sms_backend!r}: only 'dev' exists so far")
    return Senders(email=email, sms=sms)
