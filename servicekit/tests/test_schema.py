"""servicekit.schema: the one input rule every contract is built from."""
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from marshmallow import ValidationError, fields

from servicekit.errors import BadRequest, ValidationFailed
from servicekit.schema import (
    Boolean, Choice, Code, Date, DateTime, Email, Integer, Money, Name, PeriodField, QueryBoolean, QueryInteger,
    Secret, Strict, Text, UploadSchema, Uuid, text_problem,
)
from servicekit.money import Period
from servicekit.service import load


class Thing(Strict):
    title = Text(20, min_length=1)
    note = Text(200, multiline=True, allow_none=True)
    name = Name(20)
    code = Code(10)
    password = Secret(20)
    email = Email()
    kind = Choice({"a": "甲", "b": "乙"})
    count = Integer(0, 10)
    page = QueryInteger(1, 100)
    flag = Boolean()
    query_flag = QueryBoolean()
    ref = Uuid()
    day = Date()
    at = DateTime()
    amount = Money(allow_none=True)
    period = PeriodField()


def errors(**payload):
    with pytest.raises(ValidationError) as info:
        Thing().load(payload)
    return info.value.messages


def only_error(field, value):
    messages = errors(**{field: value})
    assert list(messages) == [field], messages
    (message,) = messages[field]
    assert "/ " in message  # Chinese / English
    return message


# --------------------------------------------------------------------------- text

def test_text_is_trimmed_then_measured():
    assert Thing().load({"title": "  凭证  ", "name": " 张三 ", "code": " C001 "}) == {
        "title": "凭证", "name": "张三", "code": "C001"}
    only_error("title", "   ")  # empty once trimmed
    only_error("title", "x" * 21)
    assert Thing().load({"title": " " + "x" * 20 + " "}) == {"title": "x" * 20}


@pytest.mark.parametrize("bad", ["a\x00b", "\x00", "a\x1bb", "a\x7f", "a\x85b", "a\u2028b", "a\tb", "a\nb", "a\rb"])
def test_single_line_text_refuses_control_characters(bad):
    message = only_error("title", bad)
    assert "U+" in message


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\udc00\ud800"])
def test_lone_surrogates_are_refused(bad):
    assert "surrogate" in only_error("title", bad)


def test_multiline_text_keeps_line_breaks_and_tabs_but_no_other_controls():
    assert Thing().load({"note": "第一行\n第二行\r\n\t缩进"}) == {"note": "第一行\n第二行\r\n\t缩进"}
    for bad in ("a\x00b", "a\x0bb", "a\x1bb", "a\ud800", "a\u2029b"):
        only_error("note", bad)


@pytest.mark.parametrize("bad", ["\u202egnp.exe", "张\u200b三", "a\u200db", "\ufeffabc", "a\u2066b\u2069", "a\u00adb"])
def test_names_and_codes_refuse_invisible_formatting(bad):
    assert "U+" in only_error("name", bad)
    only_error("code", bad)
    assert Thing().load({"title": bad.replace("\ufeff", "x")})  # free text may hold them


def test_null_only_when_allowed():
    assert "title" in errors(title=None)
    assert Thing().load({"note": None, "amount": None}) == {"note": None, "amount": None}


def test_text_must_be_a_string():
    for bad in (5, True, ["a"], {"a": 1}):
        only_error("title", bad)


def test_secrets_are_taken_as_sent():
    assert Thing().load({"password": " pass word "}) == {"password": " pass word "}
    for bad in ("a\x00", "\ud800x", "x" * 21):
        only_error("password", bad)


def test_email():
    assert Thing().load({"email": " LiSi@Example.CN "}) == {"email": "LiSi@Example.CN"}
    only_error("email", "not-an-email")
    only_error("email", "a\u202e@example.cn")


def test_text_problem():
    assert text_problem("北京 科技") is None
    assert text_problem("a\nb") and text_problem("a\nb", multiline=True) is None
    assert text_problem("a\u200bb") is None and text_problem("a\u200bb", plain=True)


# --------------------------------------------------------------------------- formats

@pytest.mark.parametrize("value", [1, 0, 10])
def test_integers_are_json_integers(value):
    assert Thing().load({"count": value}) == {"count": value}


@pytest.mark.parametrize("bad", ["1", 1.0, 1.5, True, None, "１", 11, -1])
def test_integer_refusals(bad):
    only_error("count", bad)


def test_query_integers_take_ascii_digits():
    assert Thing().load({"page": "25"}) == {"page": 25}
    assert Thing().load({"page": 25}) == {"page": 25}
    for bad in ("２５", " 25", "25 ", "+25", "-1", "2.0", "", "0x1", "101", "0", True, 2.0, "9" * 40):
        only_error("page", bad)


def test_booleans():
    assert Thing().load({"flag": False, "query_flag": "TRUE"}) == {"flag": False, "query_flag": True}
    assert Thing().load({"query_flag": "0"}) == {"query_flag": False}
    assert Thing().load({"query_flag": False}) == {"query_flag": False}
    for bad in ("true", 1, 0, None):
        only_error("flag", bad)
    for bad in ("yes", "", 2, None):
        only_error("query_flag", bad)


def test_choice_is_exact():
    assert Thing().load({"kind": "a"}) == {"kind": "a"}
    for bad in ("A", " a", "c", 1):
        assert "a, b" in only_error("kind", bad) or not isinstance(bad, str)


def test_uuid_canonical_only():
    some = "7c1e0a3e-5b7a-4d52-9a1e-0f0e5c3b2a11"
    assert Thing().load({"ref": some}) == {"ref": uuid.UUID(some)}
    assert Thing().load({"ref": some.upper()}) == {"ref": uuid.UUID(some)}
    for bad in ("7c1e0a3e5b7a4d529a1e0f0e5c3b2a11", "{" + some + "}", "urn:uuid:" + some, " " + some, "abc", 5,
                some.replace("7", "７")):
        only_error("ref", bad)


def test_dates_iso_ascii():
    assert Thing().load({"day": "2026-01-20"}) == {"day": date(2026, 1, 20)}
    for bad in ("0811-03-06", "1899-12-31", "2026-1-5", "２０２６-01-20", " 2026-01-20", "2026-02-30", "2026/01/20", "20260120",
                "2026-01-20T00:00:00", 20260120, None):
        only_error("day", bad)


def test_datetimes_need_an_offset():
    loaded = Thing().load({"at": "2026-01-31T08:30:00+08:00"})["at"]
    assert loaded == datetime(2026, 1, 31, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    assert Thing().load({"at": "2026-01-31T00:30:00Z"})["at"].tzinfo is not None
    for bad in ("2026-01-31T08:30:00", "yesterday", "２０２６-01-31T08:30:00Z", "2026-13-31T08:30:00Z"):
        only_error("at", bad)


def test_money_is_a_json_string():
    assert Thing().load({"amount": "1234.5"}) == {"amount": Decimal("1234.50")}
    assert Thing().load({"amount": "999999999999999999.99"}) == {"amount": Decimal("999999999999999999.99")}
    assert "JSON number" in only_error("amount", 100)
    assert "float" in only_error("amount", 100.5)
    for bad in ("１００.００", " 100.00 ", "100.001", "1000000000000000000", "1e3", "-1.00", True):
        only_error("amount", bad)


def test_periods_ascii():
    assert Thing().load({"period": "2026-01"}) == {"period": Period(2026, 1)}
    for bad in ("２０２６-01", "2026-1", "2026-13", " 2026-01"):
        only_error("period", bad)


def test_unknown_fields_are_refused():
    assert "surprise" in errors(surprise=1)


# --------------------------------------------------------------------------- what OpenAPI is told

def test_fields_describe_themselves():
    assert Text(20, min_length=1).openapi() == {"type": "string", "maxLength": 20, "minLength": 1, "pattern": r"\S"}
    assert Uuid().openapi() == {"type": "string", "format": "uuid"}
    assert Date().openapi() == {"type": "string", "format": "date", "pattern": r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$"}
    assert Integer(1, 5).openapi() == {"type": "integer", "minimum": 1, "maximum": 5}
    assert Money().openapi()["pattern"] == r"^[0-9]{1,18}(\.[0-9]{1,2})?$"
    assert Money(allow_negative=True).openapi()["pattern"] == r"^-?[0-9]{1,18}(\.[0-9]{1,2})?$"
    assert PeriodField().openapi()["pattern"] == "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$"


# --------------------------------------------------------------------------- with servicekit.service.load

def test_load_names_every_wrong_field():
    with pytest.raises(ValidationFailed) as info:
        load(Thing, {"title": "a\x00", "amount": 1.5, "day": "2026-1-5"})
    assert info.value.status == 400
    assert set(info.value.details["fields"]) == {"title", "amount", "day"}


def test_an_empty_upload_is_file_empty():
    with pytest.raises(BadRequest) as info:
        load(UploadSchema, {"filename": "a.xlsx", "content_type": "x", "content_base64": ""})
    assert info.value.code == "FILE_EMPTY" and info.value.status == 400
    assert load(UploadSchema, {"filename": "a.xlsx", "content_base64": "AA=="})["content_base64"] == "AA=="
    with pytest.raises(ValidationFailed):
        load(UploadSchema, {"filename": "a\x00.xlsx", "content_base64": "AA=="})


def test_a_nested_list_names_the_line():
    class Line(Strict):
        summary = Text(10)

    class Voucher(Strict):
        lines = fields.List(fields.Nested(Line))

    with pytest.raises(ValidationError) as info:
        Voucher().load({"lines": [{"summary": "ok"}, {"summary": "a\x00"}]})
    assert list(info.value.messages["lines"]) == [1]
