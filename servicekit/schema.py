"""One input rule for every service: the fields and schema base every contract
(contracts/<service>/schemas.py) is built from, so a payload is read the same way
whichever service takes it.

The rule, field by field:
- Text: NUL, lone surrogates and other control characters are refused (a multi-line
  text — notes, descriptions — may hold line breaks and tabs); names and codes also
  refuse bidi overrides and zero-width characters. Surrounding whitespace is trimmed,
  everywhere, before the length is checked (so "  " is empty). Secrets (passwords,
  tokens) are taken as sent, never trimmed.
- Formats are exact: amounts (servicekit.money.Money) are JSON strings; dates are
  "YYYY-MM-DD", periods "YYYY-MM", ids canonical UUIDs, integers JSON integers — all
  in ASCII digits, with no surrounding spaces. A query string is text, so its
  integers (`QueryInteger`) and flags may come as "2" and "true".
- `null` only where the field says `allow_none=True`, which a contract sets only where
  the column takes NULL.
- Unknown fields are refused (`Strict`): a misspelt field must not be ignored.

Every refusal is a marshmallow error on the field, so `servicekit.service.load`
answers 400 VALIDATION_FAILED naming each wrong field, in Chinese and English.
Each field also says what it is for the OpenAPI document (`openapi()`).
"""
import re
import uuid
from datetime import date, datetime

from marshmallow import RAISE, Schema, fields, validate

from .errors import BadRequest
from .money import Money, PeriodField

__all__ = [
    "Strict", "Field", "List", "Nested", "Dict", "Text", "Name", "Code", "Secret", "Email", "Choice", "Integer",
    "QueryInteger", "Boolean", "QueryBoolean", "Uuid", "Date", "DateTime", "Money", "PeriodField", "FileContent",
    "UploadSchema", "one_of", "length", "text_problem",
]

# C0 and C1 controls and DEL, line/paragraph separators, lone surrogates
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# invisible formatting: bidi embeddings/overrides/isolates and marks, zero-width
# characters, the BOM, soft hyphen, interlinear annotation
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$")  # 1900 on
_DIGITS = re.compile(r"^[0-9]{1,18}$")
# ISO 8601 with an offset, ASCII: 2026-01-31T08:30:00+08:00, …Z, optional fraction
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                       r"(Z|[+-][0-9]{2}:?[0-9]{2})$")


def text_problem(value, multiline=False, plain=False):
    """None if `value` may be stored as text, else why not ("zh / en")."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    if found:
        if "\ud800" <= found.group() <= "\udfff":
            return "含有无效字符（孤立代理项）/ contains an invalid character (a lone surrogate)"
        return f"含有控制字符 U+{ord(found.group()):04X} / contains the control character U+{ord(found.group()):04X}"
    if plain:
        found = _INVISIBLE.search(value)
        if found:
            return (f"含有不可见的格式字符 U+{ord(found.group()):04X}（如方向控制或零宽字符）/ contains the invisible "
                    f"formatting character U+{ord(found.group()):04X} (bidi control or zero-width)")
    return None


def one_of(choices):
    keys = list(choices)
    return validate.OneOf(keys, error="应为以下之一 / must be one of: " + ", ".join(keys))


def length(max_length, min_length=None):
    if min_length is None:
        return validate.Length(max=max_length,
                               error=f"长度应不超过{max_length}个字符 / at most {max_length} characters")
    return validate.Length(min=min_length, max=max_length,
                           error=f"长度应为{min_length}至{max_length}个字符 / {min_length} to {max_length} characters")


class Strict(Schema):
    """Every contract's base: unknown fields are refused."""

    error_messages = {"unknown": "未知字段 / unknown field", "type": "应为 JSON 对象 / must be a JSON object"}

    class Meta:
        unknown = RAISE


# marshmallow's own messages, in both languages (a field's class merges them with its own)
MESSAGES = {"required": "必填 / required", "null": "不能为 null / may not be null",
            "validator_failed": "取值无效 / invalid value"}


class Field(fields.Field):
    default_error_messages = MESSAGES




class List(Field, fields.List):
    default_error_messages = {"invalid": "应为数组 / must be a list"}


class Nested(Field, fields.Nested):
    default_error_messages = {"type": "应为 JSON 对象 / must be a JSON object"}


class Dict(Field, fields.Dict):
    default_error_messages = {"invalid": "应为 JSON 对象 / must be a JSON object"}


class Text(Field, fields.String):
    """Free text of at most `max_length` characters (after trimming).

    `min_length=1` for a text that must say something; `multiline=True` lets line
    breaks and tabs through (notes, descriptions)."""

    plain = False  # Name and Code: also no invisible formatting characters
    default_error_messages = {"invalid": "应为文本 / must be a string", "bad_text": "{problem}"}

    def __init__(self, max_length, *, min_length=None, multiline=False, validate=None, **kwargs):
        self.max_length, self.min_length, self.multiline = max_length, min_length, multiline
        checks = [length(max_length, min_length)] + ([validate] if validate is not None else [])
        super().__init__(validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, self.multiline, self.plain)
        if problem:
            raise self.make_error("bad_text", problem=problem)
        return text.strip()

    def openapi(self):
        schema = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            schema["minLength"] = self.min_length
            # a value of spaces only is empty once trimmed
            schema["pattern"] = r"\S"
        return schema


class Name(Text):
    """A name people read (a company, a person, an account): no invisible characters."""

    plain = True


class Code(Text):
    """An identifier people type (an aux item's code, a contract number): like Name."""

    plain = True


class Secret(Field, fields.String):
    """A password or token: taken exactly as sent (spaces count), but never control
    characters or lone surrogates, and never longer than `max_length`."""

    default_error_messages = {"invalid": "应为文本 / must be a string", "bad_text": "{problem}"}

    def __init__(self, max_length, *, min_length=None, validate=None, **kwargs):
        self.max_length, self.min_length = max_length, min_length
        checks = [length(max_length, min_length)] + ([validate] if validate is not None else [])
        super().__init__(validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text)
        if problem:
            raise self.make_error("bad_text", problem=problem)
        return text

    def openapi(self):
        schema = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            schema["minLength"] = self.min_length
        return schema


class Email(Name):
    def __init__(self, max_length=254, **kwargs):
        super().__init__(max_length, validate=validate.Email(error="邮箱格式不正确 / not a valid email address"),
                         **kwargs)

    def openapi(self):
        return {**super().openapi(), "format": "email"}


class Choice(Field, fields.String):
    """One of a fixed vocabulary's keys (the exact string)."""

    default_error_messages = {"invalid": "应为文本 / must be a string"}

    def __init__(self, choices, **kwargs):
        self.choices = list(choices)
        super().__init__(validate=one_of(self.choices), **kwargs)


class Integer(Field, fields.Integer):
    """A JSON integer (not true/false, not 2.0, not "2") within [minimum, maximum]."""

    default_error_messages = {"invalid": "应为整数 / must be an integer"}

    def __init__(self, minimum=None, maximum=None, *, error=None, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        checks = []
        if minimum is not None or maximum is not None:
            checks.append(validate.Range(min=minimum, max=maximum, error=error or self._range_error()))
        super().__init__(strict=True, validate=checks, **kwargs)

    def _range_error(self):
        if self.maximum is None:
            return f"应不小于{self.minimum} / must be at least {self.minimum}"
        if self.minimum is None:
            return f"应不大于{self.maximum} / must be at most {self.maximum}"
        return f"应为{self.minimum}至{self.maximum} / must be {self.minimum} to {self.maximum}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value

    def openapi(self):
        schema = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


class QueryInteger(Integer):
    """An integer of a query string: ASCII digits as text ("25"), or a JSON integer
    when another service calls over RPC."""

    default_error_messages = {"invalid": "应为整数（阿拉伯数字）/ must be an integer in ASCII digits"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and _DIGITS.match(value):
            return int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Boolean(Field, fields.Boolean):
    """A JSON true or false, nothing that merely looks like one."""

    default_error_messages = {"invalid": "应为 true 或 false / must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryBoolean(Field, fields.Boolean):
    """A flag of a query string: true/false or 1/0 (any case), or a JSON boolean over RPC."""

    default_error_messages = {"invalid": "应为 true 或 false / must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value.lower() in ("true", "1"):
                return True
            if value.lower() in ("false", "0"):
                return False
        raise self.make_error("invalid")


class Uuid(Field, fields.UUID):
    """An id: the canonical 8-4-4-4-12 hex form; loads as uuid.UUID."""

    default_error_messages = {"invalid_uuid": "应为 UUID，如 7c1e0a3e-5b7a-4d52-9a1e-0f0e5c3b2a11 / must be a UUID"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, uuid.UUID):
            return value
        if not isinstance(value, str) or not _UUID.match(value):
            raise self.make_error("invalid_uuid")
        return uuid.UUID(value)

    def openapi(self):
        return {"type": "string", "format": "uuid"}


class Date(Field, fields.Date):
    """A calendar date "YYYY-MM-DD" (ASCII digits, zero-padded), from 1900 on like a
    Period (servicekit.money); loads as datetime.date."""

    default_error_messages = {"invalid": "日期格式应为 YYYY-MM-DD（1900年以后），如 2026-01-20 / "
                                         "a date must look like 2026-01-20 (from 1900 on)"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str) and _DATE.match(value):
            try:
                day = date.fromisoformat(value)
            except ValueError as exc:  # 2026-02-30
                raise self.make_error("invalid") from exc
        else:
            raise self.make_error("invalid")
        if day.year < 1900:
            raise self.make_error("invalid")
        return day

    def openapi(self):
        return {"type": "string", "format": "date", "pattern": _DATE.pattern}


class DateTime(Field, fields.AwareDateTime):
    """A moment with its offset, ISO 8601 in ASCII: "2026-01-31T08:30:00+08:00"."""

    default_error_messages = {"invalid": "时间格式应为 ISO 8601 且带时区，如 2026-01-31T08:30:00+08:00 / "
                                         "a time must look like 2026-01-31T08:30:00+08:00"}

    def __init__(self, **kwargs):
        super().__init__(default_timezone=None, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _DATETIME.match(value):
            raise self.make_error("invalid")
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise self.make_error("invalid") from exc

    def openapi(self):
        return {"type": "string", "format": "date-time"}


class FileContent(Field, fields.String):
    """A file's bytes, base64-encoded. Empty is refused with its own code, FILE_EMPTY
    (raised from the load, so after the service's permission check)."""

    default_error_messages = {"invalid": "应为 base64 文本 / must be base64 text"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            raise BadRequest(code="FILE_EMPTY", message="上传的文件是空的", message_en="The uploaded file is empty")
        return text

    def openapi(self):
        return {"type": "string", "format": "byte"}


class UploadSchema(Strict):
    """An uploaded file as the gateway passes it on: file name, content type and the
    bytes base64-encoded."""

    filename = Text(200, required=True, min_length=1)
    content_type = Text(200, allow_none=True)
    content_base64 = FileContent(required=True)
