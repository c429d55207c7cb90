"""Contact details as Chinese users type them: email addresses and mainland mobile
numbers (full-width characters, +86 and separators allowed), normalised and masked.
Shared by every service that stores or shows contacts (identity, clients)."""
import re
import unicodedata

from .errors import ValidationFailed

_EMAIL_LOCAL = re.compile(r"^[\w!#$%&'*+/=?^`{|}~-]+(\.[\w!#$%&'*+/=?^`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[^\W_](?:[^\W_]|-){0,62}(?<!-)$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def field_error(field, code, message):
    zh, en = message
    return ValidationFailed(fields={field: [f"{zh} / {en}"]}, code=code, message=zh, message_en=en)


_BAD_EMAIL = ("邮箱格式不正确", "invalid email address")
_BAD_PHONE = ("手机号格式不正确，请输入11位中国大陆手机号", "invalid mobile number: give an 11-digit mainland China number")


def nfkc(text):
    # Chinese input methods easily produce full-width "＠" and digits "１３８".
    return unicodedata.normalize("NFKC", text or "").strip()


def normalise_email(text, field="email"):
    """Trimmed, lower-cased email address; ValidationFailed(code="INVALID_EMAIL") if malformed.

    The whole address is lower-cased: mail providers treat the local part
    case-insensitively in practice, and one person must not hold two accounts
    as "Zhang@x.cn" and "zhang@x.cn".
    """
    email = nfkc(text).lower()
    if len(email) > 254 or email.count("@") != 1:
        raise field_error(field, "INVALID_EMAIL", _BAD_EMAIL)
    local, domain = email.split("@")
    labels = domain.split(".")
    if (
        not local or len(local) > 64 or not _EMAIL_LOCAL.match(local)
        or len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels)
    ):
        raise field_error(field, "INVALID_EMAIL", _BAD_EMAIL)
    return email


def normalise_phone(text, field="phone"):
    """The 11 digits of a mainland China mobile number; ValidationFailed(code="INVALID_PHONE") otherwise.

    Accepts "+86 138-0013-8000", "0086 13800138000", "(138) 0013 8000" ...
    """
    phone = re.sub(r"[\s\-().]", "", nfkc(text))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    elif len(phone) == 13 and phone.startswith("86"):
        phone = phone[2:]
    if not _MOBILE.match(phone):
        raise field_error(field, "INVALID_PHONE", _BAD_PHONE)
    return phone


def mask_email(email):
    """"zhangsan@example.com" -> "z***n@example.com" (for messages and logs)."""
    local, _, domain = (email or "").partition("@")
    if len(local) <= 1:
        masked = "*"
    elif len(local) == 2:
        masked = local[0] + "*"
    else:
        masked = local[0] + "***" + local[-1]
    return f"{masked}@{domain}" if domain else masked


def mask_phone(phone):
    """"13812345678" -> "138****5678"."""
    try:
        digits = normalise_phone(phone)
    except ValidationFailed:
        digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 7:
        return "****"
    return digits[:3] + "****" + digits[-4:]
