"""Delivering what identity sends (verification codes, sign-in and password
notices): real SMTP for email, and a development outbox (a JSON lines file plus a
log line) that local runs and tests read the codes from. The dev outbox delivers
nothing: it must not be configured in production. There is no real SMS provider
yet; one only needs a `send(phone, text)` method. The texts are composed in
domain/notify.py.
"""
import json
import logging
import smtplib
import ssl
import threading
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import NamedTuple, Protocol

from servicekit.config import setting
from servicekit.contact import mask_email
from servicekit.errors import ServiceUnavailable

from .domain.notify import EMAIL, SMS

log = logging.getLogger("suanpan.identity.notify")



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


@dataclass
class SmtpEmailSender:
    """Sends through an SMTP server: STARTTLS when `use_tls` (port 587), implicit
    TLS when `use_ssl` (port 465), plain otherwise (a local relay only)."""
    host: str
    port: int
    username: str = None
    password: str = None
    use_tls: bool = True
    from_addr: str = None
    _: KW_ONLY
    use_ssl: bool = False
    timeout: float = 10
    ssl_context: object = None

    def __post_init__(self):
        if not self.host or not self.from_addr:
            raise ValueError("SmtpEmailSender needs a host and a from address")
        self.port = int(self.port)

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


SETTINGS = ("NOTIFY_EMAIL_BACKEND", "NOTIFY_SMS_BACKEND", "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD",
            "SMTP_USE_TLS", "SMTP_USE_SSL", "SMTP_FROM", "SMTP_TIMEOUT_SECONDS")


def senders_from_settings():
    """`build_senders` with the process's settings (nameko config or environment);
    the dev outbox file is DEV_OUTBOX_PATH."""
    return build_senders({**{key: setting(key) for key in SETTINGS}, "NOTIFY_DEV_OUTBOX": setting("DEV_OUTBOX_PATH")})
