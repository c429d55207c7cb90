"""Checking a client payload: every problem at once, each with its code."""
from datetime import date
from decimal import Decimal

import pytest

from servicekit.errors import ValidationFailed
from services.clients.domain.board import build_board, month_bounds
from services.clients.domain.rules import FieldErrors, clean_client
from servicekit.money import Period

TODAY = date(2026, 11, 28)


def good(**changes):
    payload = {"name": " 西安示例科技有限公司 ", "credit_code": "91350100m000100y43", "taxpayer_type": "general",
               "legal_representative": {"name": "张三", "id_number": "11010519491231002x"},
               "contacts": [{"name": "李四", "mobile": "+86 138-0013-8000", "email": "LiSi@Example.CN"}],
               "bank_accounts": [{"bank": "中国工商银行", "account_number": "6222 0212 3456 7890"}],
               "registered_capital": Decimal("1000000.00")}
    payload.update(changes)
    return payload


def test_a_good_payload_is_normalised():
    clean = clean_client(good(), TODAY)
    assert clean["name"] == "西安示例科技有限公司"
    assert clean["credit_code"] == "91350100M000100Y43"
    assert clean["legal_representative"] == {"name": "张三", "id_number": "11010519491231002X"}
    assert clean["contacts"] == [{"name": "李四", "mobile": "13800138000", "email": "lisi@example.cn",
                                  "primary": True}]
    assert clean["bank_accounts"][0]["account_number"] == "6222021234567890"
    assert clean["bank_accounts"][0]["currency"] == "CNY"


def errors_of(payload, partial=False):
    with pytest.raises(ValidationFailed) as err:
        clean_client(payload, TODAY, partial=partial)
    return err.value


@pytest.mark.parametrize("changes,field,code", [
    ({"credit_code": "91350100M000100Y44"}, "credit_code", "CREDIT_CODE_INVALID"),
    ({"legal_representative": {"name": "张三", "id_number": "110105194912310021"}}, "legal_representative",
     "ID_NUMBER_INVALID"),
    ({"contacts": [{"name": "李四", "mobile": "12345"}]}, "contacts", "INVALID_PHONE"),
    ({"contacts": [{"name": "李四", "email": "not-an-email"}]}, "contacts", "INVALID_EMAIL"),
    ({"bank_accounts": [{"bank": "工行", "account_number": "62-22-AB"}]}, "bank_accounts", "BANK_ACCOUNT_INVALID"),
    ({"establishment_date": date(2027, 1, 1)}, "establishment_date", "VALIDATION_FAILED"),
    ({"name": " x "}, "name", "VALIDATION_FAILED"),
])
def test_one_problem_keeps_its_code_and_names_its_field(changes, field, code):
    error = errors_of(good(**changes))
    assert error.code == code
    assert error.status == 400
    assert field in error.details["fields"]


def test_several_problems_are_all_reported():
    error = errors_of(good(credit_code="91350100M000100Y44",
                           contacts=[{"name": "李四", "mobile": "123"}, {"name": "王五", "email": "bad"}]))
    assert error.code == "VALIDATION_FAILED"
    assert set(error.details["codes"]) == {"credit_code", "contacts.0.mobile", "contacts.1.email"}
    assert error.details["fields"]["contacts"]["1"]["email"]


def test_two_primary_contacts_and_an_unreachable_contact_are_refused():
    error = errors_of(good(contacts=[{"name": "a", "mobile": "13800138000", "primary": True},
                                     {"name": "b", "wechat": "bwx", "primary": True}, {"name": "c"}]))
    assert "contacts" in error.details["fields"]
    assert "mobile" in error.details["fields"]["contacts"]["2"]


def test_a_partial_update_checks_only_what_is_given():
    assert clean_client({"short_name": "  ", "industry": "餐饮"}, TODAY, partial=True) == {
        "short_name": None, "industry": "餐饮"}
    assert clean_client({"legal_representative": {"name": "新法人"}}, TODAY, partial=True) == {
        "legal_representative": {"name": "新法人"}}
    assert "credit_code" in errors_of({"credit_code": None}, partial=True).details["fields"]


def test_field_errors_collect_marshmallow_messages_too():
    errors = FieldErrors()
    errors.add_messages({"taxpayer_type": ["bad"], "contacts": {0: {"mobile": ["bad"]}}})
    errors.add(("contacts", 0, "email"), "INVALID_EMAIL", "邮箱", "email")
    assert errors.fields == {"taxpayer_type": ["bad"], "contacts": {"0": {"mobile": ["bad"], "email": ["邮箱 / email"]}}}
    assert errors.error().code == "VALIDATION_FAILED"


def test_board_counts_and_placeholders():
    period = Period(2026, 1)
    assert month_bounds(period) == (date(2026, 1, 1), date(2026, 2, 1))
    assert month_bounds(Period(2026, 12)) == (date(2026, 12, 1), date(2027, 1, 1))
    board = build_board("c1", period, [{"kind": "tax_filing", "date": "2026-01-15"},
                                       {"kind": "bookkeeping", "date": "2026-01-05"},
                                       {"kind": "tax_filing", "date": "2026-01-20"}],
                        [{"kind": "complaint", "status": "closed", "satisfaction": 4},
                         {"kind": "praise", "status": "open", "satisfaction": None}])
    assert board["service_records"]["count"] == 3
    assert board["service_records"]["by_kind"] == {"bookkeeping": 1, "tax_filing": 2}
    assert [r["date"] for r in board["service_records"]["items"]] == ["2026-01-05", "2026-01-15", "2026-01-20"]
    assert board["feedback"] == {"count": 2, "open": 1, "handled": 0, "closed": 1, "complaints": 1,
                                 "average_satisfaction": 4.0}
    assert board["ledger"]["status"] == "not_connected" and board["tax"]["status"] == "not_connected"


def test_a_legal_representative_may_come_without_an_id_number_for_now():
    assert clean_client(good(legal_representative={"name": "张三"}), TODAY)["legal_representative"] == {
        "name": "张三", "id_number": None}
    assert "legal_representative" in errors_of(good(legal_representative={"name": " ", "id_number": None}))\
        .details["fields"]
