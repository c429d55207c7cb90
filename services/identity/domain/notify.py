"""Reaching users, the pure part: login identifiers (email / mainland mobile
number) and the texts we send. Delivering them (SMTP, the dev outbox) is I/O and
lives in services/identity/senders.py.
"""
from datetime import datetime, timezone

from servicekit.contact import (  # noqa: F401 - identity's login identifiers are these
    field_error, nfkc, mask_email, mask_phone, normalise_email, normalise_phone,
)
from servicekit.errors import ValidationFailed

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
