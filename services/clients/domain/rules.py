"""Checking and normalising what a user typed about a client company, after the
schema has checked shapes and lengths: check characters, phone and email formats,
one primary contact, dates that make sense.

Every problem is collected (not only the first), keyed like marshmallow's field
errors ({"contacts": {"0": {"mobile": [...]}}}), so the API and the Excel import
report all of them at once. A single kind of problem keeps its own code
(CREDIT_CODE_INVALID, ID_NUMBER_INVALID, INVALID_PHONE …); a mix is VALIDATION_FAILED.
"""
import re
import unicodedata

from servicekit.contact import normalise_email, normalise_phone
from servicekit.errors import ValidationFailed

from . import credit_code as credit_codes
from . import id_number as id_numbers

GENERIC = "VALIDATION_FAILED"
MESSAGES = {  # code -> (zh, en) for the top-level message when it is the only kind of problem
    "CREDIT_CODE_INVALID": ("统一社会信用代码无效", "The unified social credit code is invalid"),
    "ID_NUMBER_INVALID": ("身份证号码无效", "The ID number is invalid"),
    "INVALID_PHONE": ("手机号格式不正确", "Invalid mobile number"),
    "INVALID_EMAIL": ("邮箱格式不正确", "Invalid email address"),
    "BANK_ACCOUNT_INVALID": ("银行账号无效", "Invalid bank account number"),
    "CREDIT_CODE_TAKEN": ("本机构已有使用该统一社会信用代码的客户", "A client with this credit code already exists"),
}
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-]")


class FieldErrors:
    """Collects field errors; `.raise_if_any()` turns them into one ValidationFailed."""

    def __init__(self):
        self.fields = {}
        self.codes = {}  # "contacts.0.mobile" -> "INVALID_PHONE"

    def __bool__(self):
        return bool(self.fields)

    def add(self, path, code, zh, en=None):
        """One problem at `path` ("credit_code" or ("contacts", 0, "mobile")); the
        message is "zh / en", or zh alone when it already holds both."""
        self._put(path, zh if en is None else f"{zh} / {en}", code)

    def add_messages(self, messages, prefix=()):
        """marshmallow's error dict (possibly nested) under `prefix`."""
        for key, value in messages.items():
            if isinstance(value, dict):
                self.add_messages(value, prefix + (key,))
            else:
                for message in value if isinstance(value, list) else [value]:
                    self._put(prefix + (key,), str(message), GENERIC, keep_code=True)

    def _put(self, path, message, code, keep_code=False):
        path = tuple(str(part) for part in (path if isinstance(path, (tuple, list)) else (path,)))
        node = self.fields
        for part in path[:-1]:
            if isinstance(node.get(part), list):  # a whole-list problem and an item's: marshmallow's "_schema"
                node[part] = {"_schema": node[part]}
            node = node.setdefault(part, {})
        if isinstance(node.get(path[-1]), dict):
            node[path[-1]].setdefault("_schema", []).append(message)
        else:
            node.setdefault(path[-1], []).append(message)
        key = ".".join(path)
        if keep_code:
            self.codes.setdefault(key, code)
        else:
            self.codes[key] = code

    def error(self):
        kinds = set(self.codes.values())
        code = kinds.pop() if len(kinds) == 1 else GENERIC
        zh, en = MESSAGES.get(code, ("输入数据有误", "Some fields are invalid"))
        return ValidationFailed(code=code, message=zh, message_en=en, fields=self.fields,
                                details={"codes": self.codes})

    def raise_if_any(self):
        if self:
            raise self.error()


def text(value):
    """Trimmed text; "" and None are None (an optional field left empty)."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", str(value)).strip()
    return value or None


def clean_credit_code(value, errors, path=("credit_code",)):
    try:
        return credit_codes.validate(value)
    except credit_codes.CreditCodeError as exc:
        errors.add(path, "CREDIT_CODE_INVALID", exc.zh, exc.en)
        return None


def clean_id_number(value, errors, path, today):
    try:
        return id_numbers.validate(value, today)
    except id_numbers.IdNumberError as exc:
        errors.add(path, "ID_NUMBER_INVALID", exc.zh, exc.en)
        return None


def clean_account_number(value, errors, path):
    number = _ACCOUNT_SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value or "")))
    if not re.fullmatch(r"\d{6,32}", number):
        errors.add(path, "BANK_ACCOUNT_INVALID", "银行账号应为6至32位数字",
                   "a bank account number has 6 to 32 digits")
        return None
    return number


def clean_contact(data, errors, path=(), partial=False):
    """A contact's fields, normalised. partial: only the fields given (an update)."""
    out = {}
    if "name" in data or not partial:
        out["name"] = text(data.get("name"))
        if not out["name"]:
            errors.add(path + ("name",), GENERIC, "请填写联系人姓名", "a contact needs a name")
    for key in ("role", "wechat"):
        if key in data:
            out[key] = text(data[key])
    if "mobile" in data:
        out["mobile"] = None
        if text(data["mobile"]):
            try:
                out["mobile"] = normalise_phone(data["mobile"])
            except ValidationFailed as exc:
                errors.add(path + ("mobile",), exc.code, exc.message, exc.message_en)
    if "email" in data:
        out["email"] = None
        if text(data["email"]):
            try:
                out["email"] = normalise_email(data["email"])
            except ValidationFailed as exc:
                errors.add(path + ("email",), exc.code, exc.message, exc.message_en)
    if "primary" in data:
        out["primary"] = bool(data["primary"])
    return out


def check_reachable(contact, errors, path=()):
    """A contact needs at least one way to reach them (judged on what was typed: a
    malformed number is reported as such, not again as missing)."""
    if not any(text(contact.get(key)) for key in ("mobile", "email", "wechat")):
        errors.add(path + ("mobile",), GENERIC, "请至少填写手机、邮箱或微信之一",
                   "give at least a mobile number, an email or a WeChat id")


def clean_bank_account(data, errors, path=(), partial=False):
    out = {}
    for key in ("bank", "branch", "purpose"):
        if key in data or (key == "bank" and not partial):
            out[key] = text(data.get(key))
    if not partial and not out.get("bank"):
        errors.add(path + ("bank",), GENERIC, "请填写开户银行", "give the bank")
    if "currency" in data or not partial:
        out["currency"] = (text(data.get("currency")) or "CNY").upper()
    if "account_number" in data or not partial:
        out["account_number"] = clean_account_number(data.get("account_number"), errors, path + ("account_number",))
    return out


OPTIONAL_TEXT = ("short_name", "industry", "registered_address", "office_address", "tax_authority",
                 "business_scope")
PASS_THROUGH = ("taxpayer_type", "small_low_profit", "accounting_standard", "location_class",
                "registered_capital")


def clean_client(data, today, partial=False, errors=None):
    """The client fields of a create (partial=False) or update payload, normalised.
    Raises ValidationFailed with every problem found; with `errors` given, adds
    them there instead and returns what it could clean (the Excel import)."""
    collect = errors is not None
    errors = errors if collect else FieldErrors()
    out = {}
    if "name" in data or not partial:
        out["name"] = text(data.get("name"))
        if not out["name"] or len(out["name"]) < 2:
            errors.add("name", GENERIC, "客户名称至少2个字", "the name needs at least 2 characters")
    if "credit_code" in data or not partial:
        out["credit_code"] = clean_credit_code(data.get("credit_code"), errors)
    for key in OPTIONAL_TEXT:
        if key in data:
            out[key] = text(data[key])
    for key in PASS_THROUGH:
        if key in data:
            out[key] = data[key]
    if "establishment_date" in data:
        out["establishment_date"] = data["establishment_date"]
        if out["establishment_date"] and out["establishment_date"] > today:
            errors.add("establishment_date", GENERIC, "成立日期不能晚于今天", "establishment_date is in the future")
    if "legal_representative" in data:
        out["legal_representative"] = _clean_legal_rep(data["legal_representative"], errors, today, partial)
    if "contacts" in data:
        out["contacts"] = [clean_contact(c, errors, ("contacts", i)) for i, c in enumerate(data["contacts"] or [])]
        for i, contact in enumerate(data["contacts"] or []):
            check_reachable(contact, errors, ("contacts", i))
        primaries = [i for i, c in enumerate(out["contacts"]) if c.get("primary")]
        if len(primaries) > 1:
            errors.add("contacts", GENERIC, "只能有一个主要联系人", "only one contact can be primary")
        elif out["contacts"] and not primaries:
            out["contacts"][0]["primary"] = True  # the first one, unless told otherwise
    if "bank_accounts" in data:
        out["bank_accounts"] = [clean_bank_account(b, errors, ("bank_accounts", i))
                                for i, b in enumerate(data["bank_accounts"] or [])]
    if not collect:
        errors.raise_if_any()
    return out


def _clean_legal_rep(value, errors, today, partial):
    if value is None:
        return None
    out = {}
    if "name" in value or not partial:
        out["name"] = text(value.get("name"))
        if not out["name"]:
            errors.add(("legal_representative", "name"), GENERIC, "请填写法定代表人姓名",
                       "give the legal representative's name")
    if "id_number" in value or not partial:
        raw = text(value.get("id_number"))
        out["id_number"] = clean_id_number(raw, errors, ("legal_representative", "id_number"), today) if raw else None
    return out
