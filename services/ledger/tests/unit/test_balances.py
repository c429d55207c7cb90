"""Balance arithmetic: roll-up by code prefix, the trial balance presentation and totals."""
from decimal import Decimal as D

from services.ledger.domain import balances as b

CHART = [
    {"code": "1001", "name": "库存现金", "class": "资产", "direction": "debit", "level": 1, "is_leaf": True},
    {"code": "1002", "name": "银行存款", "class": "资产", "direction": "debit", "level": 1, "is_leaf": False},
    {"code": "100201", "name": "工商银行", "class": "资产", "direction": "debit", "level": 2, "is_leaf": True},
    {"code": "100202", "name": "建设银行", "class": "资产", "direction": "debit", "level": 2, "is_leaf": True},
    {"code": "2202", "name": "应付账款", "class": "负债", "direction": "credit", "level": 1, "is_leaf": True},
    {"code": "3001", "name": "实收资本", "class": "所有者权益", "direction": "credit", "level": 1, "is_leaf": True},
]


def test_ancestors_and_level():
    assert b.ancestors("10020101") == ["1002", "100201", "10020101"]
    assert b.level_of("100201") == 2
    assert b.level_of("123") is None


def test_parent_is_sum_of_leaves_and_overdraft_shows_on_credit_side():
    leaves = {
        "1001": b.Figures(D("100.00"), D("50.00"), D("30.00")),
        "100201": b.Figures(D("1000.00"), D("0.00"), D("1500.00")),  # overdrawn: closes at -500
        "100202": b.Figures(D("200.00"), D("300.00"), D("0.00")),
        "3001": b.Figures(D("-1300.00"), D("0.00"), D("0.00")),
        "2202": b.Figures(D("0.00"), D("1500.00"), D("320.00")),
    }
    tb = b.trial_balance(CHART, leaves)
    rows = {r["account"]: r for r in tb["rows"]}
    assert rows["1002"]["opening_debit"] == D("1200.00")
    assert rows["1002"]["period_credit"] == D("1500.00")
    assert rows["1002"]["closing_debit"] == D("0.00") and rows["1002"]["closing_credit"] == D("0.00")
    assert rows["100201"]["closing_credit"] == D("500.00") and rows["100201"]["closing_debit"] == D("0.00")
    assert rows["100202"]["closing_debit"] == D("500.00")
    assert rows["2202"]["closing_debit"] == D("1180.00")  # a credit-direction account with a debit balance
    assert tb["balanced"]
    assert tb["totals"]["period_debit"] == tb["totals"]["period_credit"] == D("1850.00")
    assert tb["totals"]["closing_debit"] == tb["totals"]["closing_credit"]
    assert [r["account"] for r in b.trial_balance(CHART, leaves, level=1)["rows"]] == ["1001", "1002", "2202", "3001"]


def test_unbalanced_is_reported():
    tb = b.trial_balance(CHART, {"1001": b.Figures(D("10.00"), D("0"), D("0"))})
    assert not tb["balanced"]
    assert tb["totals"]["opening_debit"] == D("10.00")


def test_zero_accounts_are_left_out_unless_asked():
    assert b.trial_balance(CHART, {})["rows"] == []
    assert len(b.trial_balance(CHART, {}, include_zero=True)["rows"]) == len(CHART)


def test_side_presentation():
    assert b.side(D("5.00"))[:2] == ("借", "debit")
    assert b.side(D("-5.00")) == ("贷", "credit", D("5.00"))
    assert b.side(D("0"))[:2] == ("平", "flat")
