"""The voucher rules, without a database: lines, amounts, accounts, aux items, words."""
from decimal import Decimal

import pytest

from servicekit.errors import BadRequest
from services.ledger.domain.vouchers import AccountInfo, AuxInfo, AuxLookup, check_lines, check_voucher, check_word

ACCOUNTS = {
    "1001": AccountInfo("1001", "库存现金"),
    "1002": AccountInfo("1002", "银行存款", is_leaf=False),
    "100201": AccountInfo("100201", "工商银行"),
    "1012": AccountInfo("1012", "其他货币资金", enabled=False),
    "1122": AccountInfo("1122", "应收账款", auxiliary=("customer",)),
    "5001": AccountInfo("5001", "主营业务收入", klass="损益", direction="credit"),
}
AUX = AuxLookup.of([AuxInfo("a1", "customer", "C001", "甲"), AuxInfo("a2", "customer", "C002", "乙", enabled=False),
                    AuxInfo("a3", "supplier", "S001", "丙")])


def l(account, debit=None, credit=None, **extra):
    return {"account": account, "debit": None if debit is None else Decimal(debit),
            "credit": None if credit is None else Decimal(credit), **extra}


def code_of(lines, reversal=False):
    with pytest.raises(BadRequest) as caught:
        check_lines(lines, ACCOUNTS, AUX, reversal=reversal)
    return caught.value.code, caught.value.details


def test_a_good_voucher():
    lines, total = check_lines([l("100201", debit="1130.00", summary=" 收款 "), l("5001", credit="1000.00"),
                                l("1122", credit="130.00", aux_item="C001")], ACCOUNTS, AUX)
    assert total == Decimal("1130.00")
    assert [(x["line_no"], x["account_code"], x["debit"], x["credit"], x["aux_key"]) for x in lines] == [
        (1, "100201", Decimal("1130.00"), Decimal("0.00"), ""), (2, "5001", Decimal("0.00"), Decimal("1000.00"), ""),
        (3, "1122", Decimal("0.00"), Decimal("130.00"), "a1")]
    assert lines[0]["summary"] == "收款"


def test_aux_items_by_id_code_or_kind_and_code():
    for ref in ("a1", "C001", {"kind": "customer", "code": "C001"}):
        lines, _ = check_lines([l("1122", debit="1", aux_item=ref), l("5001", credit="1")], ACCOUNTS, AUX)
        assert lines[0]["aux_key"] == "a1"


@pytest.mark.parametrize("lines,code,reason", [
    ([l("1001", debit="1")], "VOUCHER_TOO_FEW_LINES", None),
    ([], "VOUCHER_TOO_FEW_LINES", None),
    ([l("1001", debit="1"), l("5001", credit="2")], "VOUCHER_UNBALANCED", None),
    ([l("1001", debit="1", credit="1"), l("5001", credit="1")], "AMOUNT_INVALID", "one_side"),
    ([l("1001"), l("5001", credit="1")], "AMOUNT_INVALID", "one_side"),
    ([l("1001", debit="0"), l("5001", credit="0")], "AMOUNT_INVALID", "one_side"),
    ([l("1001", debit="-1"), l("5001", credit="-1")], "AMOUNT_INVALID", "negative"),
    ([l("1001", debit="1.001"), l("5001", credit="1.001")], "AMOUNT_INVALID", "decimals"),
    ([l("9999", debit="1"), l("5001", credit="1")], "ACCOUNT_UNKNOWN", None),
    ([l("1002", debit="1"), l("5001", credit="1")], "ACCOUNT_NOT_LEAF", None),
    ([l("1012", debit="1"), l("5001", credit="1")], "ACCOUNT_DISABLED", None),
    ([l("1122", debit="1"), l("5001", credit="1")], "AUX_ITEM_REQUIRED", "missing"),
    ([l("1122", debit="1", aux_item="C999"), l("5001", credit="1")], "AUX_ITEM_REQUIRED", "unknown"),
    ([l("1122", debit="1", aux_item="S001"), l("5001", credit="1")], "AUX_ITEM_REQUIRED", "unknown"),
    ([l("1122", debit="1", aux_item="a3"), l("5001", credit="1")], "AUX_ITEM_REQUIRED", "unknown"),
    ([l("1122", debit="1", aux_item="C002"), l("5001", credit="1")], "AUX_ITEM_REQUIRED", "disabled"),
    ([l("1001", debit="1", aux_item="C001"), l("5001", credit="1")], "AUX_ITEM_NOT_ALLOWED", None),
])
def test_bad_lines(lines, code, reason):
    found, details = code_of(lines)
    assert found == code
    if reason:
        assert details["reason"] == reason


def test_the_failing_line_is_named():
    _, details = code_of([l("1001", debit="1"), l("9999", credit="1")])
    assert details == {"line": 2, "account": "9999"}
    _, details = code_of([l("1001", debit="100.00"), l("5001", credit="99.99")])
    assert details == {"debit": "100.00", "credit": "99.99", "difference": "0.01"}


def test_negative_amounts_only_on_a_reversal():
    lines, total = check_lines([l("1001", debit="-5.00"), l("5001", credit="-5.00")], ACCOUNTS, AUX, reversal=True)
    assert total == Decimal("-5.00") and lines[0]["debit"] == Decimal("-5.00")
    assert code_of([l("1001", debit="-5.00"), l("5001", credit="5.00")], reversal=True)[0] == "VOUCHER_UNBALANCED"


def test_words():
    assert check_word("记", ("记",)) == "记"
    with pytest.raises(BadRequest) as caught:
        check_word("收", ("记",))
    assert caught.value.code == "WORD_UNKNOWN" and caught.value.details["voucher_words"] == ["记"]
    lines, _ = check_voucher({"word": "转", "lines": [l("1001", debit="1"), l("5001", credit="1")]}, ACCOUNTS, AUX,
                             ("收", "付", "转"))
    assert len(lines) == 2
