"""结转损益 lines: every 损益 balance is reversed and the difference lands on 本年利润."""
from decimal import Decimal as D

from services.ledger.domain import carry_forward as cf


def totals(lines):
    return sum(line["debit"] for line in lines), sum(line["credit"] for line in lines)


def test_revenue_and_expenses_go_to_profit():
    lines = cf.closing_lines([("5001", "", D("-10000.00")), ("5401", "", D("6000.00")),
                              ("5602", "x", D("1500.50"))], "3103")
    assert totals(lines)[0] == totals(lines)[1]
    by = {(l["account"], l["aux_key"]): l for l in lines if l["account"] != "3103"}
    assert by[("5001", "")]["debit"] == D("10000.00")
    assert by[("5401", "")]["credit"] == D("6000.00")
    assert by[("5602", "x")]["credit"] == D("1500.50")
    profit = [l for l in lines if l["account"] == "3103"]
    assert {(l["debit"], l["credit"]) for l in profit} == {(D("0.00"), D("10000.00")), (D("7500.50"), D("0.00"))}


def test_nothing_to_close():
    assert cf.closing_lines([("5001", "", D("0.00"))], "3103") == []


def test_year_end_profit_and_loss():
    profit = cf.year_end_lines(D("-2499.50"), "3103", "310415")
    assert profit[0] == {"summary": cf.SUMMARY_YEAR_END, "account": "3103", "debit": D("2499.50"),
                         "credit": D("0.00"), "aux_key": ""}
    assert profit[1]["account"] == "310415" and profit[1]["credit"] == D("2499.50")
    loss = cf.year_end_lines(D("100.00"), "3103", "310415")
    assert loss[0]["account"] == "310415" and loss[0]["debit"] == D("100.00")
    assert cf.year_end_lines(D("0"), "3103", "310415") == []


def test_word():
    assert cf.voucher_word(["记"]) == "记"
    assert cf.voucher_word(["收", "付", "转"]) == "转"
    assert cf.voucher_word(["记", "转"]) == "转"
