"""Money (Decimal to the 分, a string on the wire) and Period ("YYYY-MM")."""
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marshmallow import ValidationError, fields

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 18
# ASCII digits only: Python's \d also matches full-width "１００"
_MONEY_RE = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,2})?$")
_PERIOD_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def parse_money(value, allow_negative=False):
    """Parse an amount given as a string (or Decimal/int); floats are refused
    because they cannot say 0.1 exactly. At most 2 decimals, never rounded."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("amount must be a string such as \"1234.50\", not a float")
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("amount must be finite")
        if abs(value) >= MAX_AMOUNT:  # NUMERIC(20,2) holds 18 digits before the point
            raise ValueError("amount too large")
        if value.as_tuple().exponent < -2 and value != value.quantize(CENT):
            raise ValueError("amount has more than 2 decimals")
        result = value.quantize(CENT)
    elif isinstance(value, str):
        text = value.strip()
        if not _MONEY_RE.match(text):
            raise ValueError("amount must look like 1234.50 with at most 2 decimals")
        try:
            result = Decimal(text).quantize(CENT)
        except InvalidOperation as exc:  # pragma: no cover - the regex already guards
            raise ValueError("not an amount") from exc
    else:
        raise ValueError("amount must be a string")
    if result < 0 and not allow_negative:
        raise ValueError("amount must not be negative")
    return result


def round_money(value):
    """Half-up to the 分: the default rounding for computed amounts (taxes state their own)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value):
    return str(Decimal(value).quantize(CENT))


class Money(fields.Field):
    """marshmallow field: "1234.50" on the wire, Decimal('1234.50') inside. The wire
    value must be a JSON string exactly so: a JSON number (1234.5 cannot say 0.1
    exactly), surrounding spaces, full-width digits, a third decimal or 19 digits
    before the point (NUMERIC(20,2)) are refused, never guessed."""

    default_error_messages = {"invalid": "金额格式不正确 / invalid amount: {reason}", "required": "必填 / required",
                              "null": "不能为 null / may not be null"}

    def __init__(self, *args, allow_negative=False, **kwargs):
        self.allow_negative = allow_negative
        super().__init__(*args, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money_str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float):
            raise self.make_error("invalid", reason='send a string such as "1234.50", not a float (JSON number)')
        if not isinstance(value, str):
            raise self.make_error("invalid", reason='send a string such as "1234.50", not a JSON number')
        if value != value.strip():
            raise self.make_error("invalid", reason="no spaces around the amount")
        try:
            return parse_money(value, self.allow_negative)
        except ValueError as exc:
            raise self.make_error("invalid", reason=str(exc)) from exc

    def openapi(self):
        """What OpenAPI says of the field (gateway/openapi.py reads `openapi()`)."""
        pattern = r"^-?[0-9]{1,18}(\.[0-9]{1,2})?$" if self.allow_negative else r"^[0-9]{1,18}(\.[0-9]{1,2})?$"
        return {"type": "string", "pattern": pattern, "example": "1234.50"}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    def __post_init__(self):
        if not (1 <= self.month <= 12) or not (1900 <= self.year <= 9999):
            raise ValueError("period must be YYYY-MM with a month 01-12")

    @classmethod
    def parse(cls, text):
        match = _PERIOD_RE.match(text or "") if isinstance(text, str) else None
        if not match:
            raise ValueError("period must look like 2026-01")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day):
        return cls(day.year, day.month)

    def next(self):
        return Period(self.year + (self.month == 12), 1 if self.month == 12 else self.month + 1)

    def previous(self):
        return Period(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"


class PeriodField(fields.Field):
    """"YYYY-MM" on the wire (ASCII digits, month 01-12), a Period inside."""

    default_error_messages = {"invalid": "期间格式应为 YYYY-MM / period must look like 2026-01",
                              "required": "必填 / required", "null": "不能为 null / may not be null"}

    def openapi(self):
        return {"type": "string", "pattern": r"^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$", "example": "2026-01"}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return Period.parse(value)
        except ValueError as exc:
            raise self.make_error("invalid") from exc


__all__ = ["Money", "Period", "PeriodField", "parse_money", "money_str", "round_money", "ValidationError"]
