"""servicekit.money: amounts as Decimal to the 分, periods as YYYY-MM."""
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

from servicekit.money import CENT, Money, Period, PeriodField, money_str, parse_money, round_money


# --------------------------------------------------------------------------- parse_money

@pytest.mark.parametrize("text, expected", [
    ("1234.50", "1234.50"),
    ("1234.5", "1234.50"),
    ("1234", "1234.00"),
    ("0.01", "0.01"),
    ("0", "0.00"),
    ("0.00", "0.00"),
    (" 12.30 ", "12.30"),
    ("999999999999999999.99", "999999999999999999.99"),  # 18 digits: fits NUMERIC(20,2)
])
def test_parse_money_accepts_strings(text, expected):
    value = parse_money(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert str(value) == expected
    assert value.as_tuple().exponent == -2


def test_parse_money_accepts_decimal_and_int():
    assert str(parse_money(Decimal("12.3"))) == "12.30"
    assert str(parse_money(Decimal("12.340"))) == "12.34"  # a trailing zero is not a third decimal
    assert str(parse_money(Decimal("1E+2"))) == "100.00"
    assert str(parse_money(7)) == "7.00"
    assert str(parse_money(0)) == "0.00"


@pytest.mark.parametrize("value", ["-5.00", "-0.01", Decimal("-5"), -5])
def test_negative_only_when_allowed(value):
    with pytest.raises(ValueError, match="negative"):
        parse_money(value)
    assert parse_money(value, allow_negative=True) < 0


def test_negative_value_is_exact():
    assert str(parse_money("-5.00", allow_negative=True)) == "-5.00"
    assert str(parse_money("-1234.5", allow_negative=True)) == "-1234.50"


@pytest.mark.parametrize("value", [
    1.5, 0.1, 0.0, float("nan"), float("inf"),  # floats cannot say 0.1 exactly
    "0.001", "1.005", "12.345",                 # three decimals are never rounded away
    Decimal("0.001"), Decimal("1.005"),
    "1e5", "1E5", "abc", "", "   ", "1,234.50", "1 234.50", "+5", ".5", "5.", "--5", "0x10", "NaN", "Infinity",
    "1234567890123456789",                      # 19 digits: too big for NUMERIC(20,2)
    "1" * 40,
    10 ** 18, 10 ** 40,
    Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"),
    True, False, None, [], {}, b"1.00",
])
def test_parse_money_refuses(value):
    with pytest.raises(ValueError):
        parse_money(value, allow_negative=True)


@pytest.mark.parametrize("value", [Decimal("1e30"), Decimal(10 ** 18), Decimal("1E+40")])
def test_parse_money_refuses_huge_decimals(value):
    with pytest.raises(ValueError):
        parse_money(value)


# --------------------------------------------------------------------------- round_money / money_str

@pytest.mark.parametrize("value, expected", [
    ("0.005", "0.01"),
    ("2.675", "2.68"),
    ("0.004", "0.00"),
    ("1.115", "1.12"),
    ("-0.005", "-0.01"),   # half away from zero
    ("-2.675", "-2.68"),
    ("10", "10.00"),
    (Decimal("33.333333"), "33.33"),
    (7, "7.00"),
])
def test_round_money_half_up(value, expected):
    result = round_money(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_round_money_of_a_computed_amount():
    # 17% of 100.03 = 17.0051 -> 17.01 ; 13% of 0.50 = 0.065 -> 0.07
    assert round_money(Decimal("100.03") * Decimal("0.17")) == Decimal("17.01")
    assert round_money(Decimal("0.50") * Decimal("0.13")) == Decimal("0.07")
    assert CENT == Decimal("0.01")


@pytest.mark.parametrize("value, expected", [
    (Decimal("1234.5"), "1234.50"), ("0", "0.00"), (12, "12.00"), ("-3.1", "-3.10"), (Decimal("1.00"), "1.00"),
])
def test_money_str(value, expected):
    assert money_str(value) == expected


# --------------------------------------------------------------------------- Money field

class Line(Schema):
    amount = Money(required=True)
    delta = Money(allow_negative=True, allow_none=True)


def test_money_field_loads_and_dumps():
    loaded = Line().load({"amount": "1234.5", "delta": "-0.10"})
    assert loaded == {"amount": Decimal("1234.50"), "delta": Decimal("-0.10")}
    assert str(loaded["amount"]) == "1234.50"
    assert Line().dump({"amount": Decimal("1234.5"), "delta": Decimal("-0.1")}) == {
        "amount": "1234.50", "delta": "-0.10"}
    assert Line().dump({"amount": Decimal("1"), "delta": None}) == {"amount": "1.00", "delta": None}
    assert Line().load({"amount": "1", "delta": None}) == {"amount": Decimal("1.00"), "delta": None}


@pytest.mark.parametrize("bad", [1.5, "1.234", "abc", "", True, "-1.00", "1e5", []])
def test_money_field_error(bad):
    with pytest.raises(ValidationError) as info:
        Line().load({"amount": bad})
    messages = info.value.messages["amount"]
    assert len(messages) == 1
    assert messages[0].startswith("金额格式不正确 / invalid amount: ")
    assert "{reason}" not in messages[0]


def test_money_field_error_names_the_reason():
    with pytest.raises(ValidationError) as info:
        Line().load({"amount": "-1.00"})
    assert "negative" in info.value.messages["amount"][0]
    with pytest.raises(ValidationError) as info:
        Line().load({"amount": 0.1})
    assert "float" in info.value.messages["amount"][0]


def test_money_field_negative_allowed_when_asked():
    assert Line().load({"amount": "0.00", "delta": "-5.00"})["delta"] == Decimal("-5.00")


def test_money_field_required():
    with pytest.raises(ValidationError) as info:
        Line().load({})
    assert "amount" in info.value.messages


# --------------------------------------------------------------------------- Period

def test_period_parse_and_str():
    period = Period.parse("2026-01")
    assert period == Period(2026, 1)
    assert (period.year, period.month) == (2026, 1)
    assert str(period) == "2026-01"
    assert str(Period.parse("1999-12")) == "1999-12"
    assert str(Period(2026, 3)) == "2026-03"


@pytest.mark.parametrize("text", [
    "2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "202601", "", " 2026-01", "abcd-ef",
    "0999-01", None, 202601, ["2026-01"],
])
def test_period_parse_refuses(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_period_constructor_checks_month_and_year():
    with pytest.raises(ValueError):
        Period(2026, 13)
    with pytest.raises(ValueError):
        Period(2026, 0)
    with pytest.raises(ValueError):
        Period(10000, 1)


def test_period_next_and_previous():
    assert Period(2026, 1).next() == Period(2026, 2)
    assert Period(2026, 12).next() == Period(2027, 1)
    assert Period(2026, 1).previous() == Period(2025, 12)
    assert Period(2026, 7).previous() == Period(2026, 6)
    period = Period(2024, 5)
    for _ in range(30):
        assert period.next().previous() == period
        period = period.next()
    assert period == Period(2026, 11)


def test_period_order_and_hash():
    periods = [Period.parse(p) for p in ("2026-02", "2025-12", "2026-01", "2026-10")]
    assert [str(p) for p in sorted(periods)] == ["2025-12", "2026-01", "2026-02", "2026-10"]
    assert Period(2025, 12) < Period(2026, 1) < Period(2026, 2)
    assert max(periods) == Period(2026, 10)
    assert len({Period(2026, 1), Period.parse("2026-01")}) == 1
    with pytest.raises(Exception):
        Period(2026, 1).month = 2  # frozen


def test_period_of_a_date():
    assert Period.of(date(2026, 2, 28)) == Period(2026, 2)


class Closing(Schema):
    period = PeriodField(required=True)
    until = PeriodField(allow_none=True)


def test_period_field_loads_and_dumps():
    assert Closing().load({"period": "2026-03", "until": None}) == {"period": Period(2026, 3), "until": None}
    assert Closing().dump({"period": Period(2026, 3), "until": None}) == {"period": "2026-03", "until": None}


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-01", 202601, ""])
def test_period_field_error(bad):
    with pytest.raises(ValidationError) as info:
        Closing().load({"period": bad})
    assert info.value.messages == {"period": ["期间格式应为 YYYY-MM / period must look like 2026-01"]}
