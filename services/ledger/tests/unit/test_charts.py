"""The chart templates (domain/charts/*.csv): well-formed, and the accounts the period end relies on."""
import csv
from pathlib import Path

import pytest

from contracts.ledger.labels import ACCOUNT_CLASSES

CHARTS = Path(__file__).resolve().parents[2] / "domain" / "charts"
INCOME_WORDS = ("收入", "收益", "损益")  # 投资收益, 其他收益, 公允价值变动损益, 资产处置损益
EXPENSE_WORDS = ("成本", "费用", "支出", "损失", "附加")


def load(name):
    with open(CHARTS / f"{name}.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["code", "name", "class", "direction"]
        return list(reader)


@pytest.mark.parametrize("name", ["small_business_2013", "enterprise"])
def test_codes_are_unique_four_digit_and_in_order(name):
    rows = load(name)
    codes = [row["code"] for row in rows]
    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)
    assert all(row["name"].strip() == row["name"] and row["name"] for row in rows)
    assert len({row["name"] for row in rows}) == len(rows)


@pytest.mark.parametrize("name", ["small_business_2013", "enterprise"])
def test_class_and_direction_are_valid_and_match_the_code(name):
    first_digit = {"1": {"资产"}, "2": {"负债"}, "5": {"损益"}, "6": {"损益"}}
    if name == "small_business_2013":
        first_digit.update({"3": {"所有者权益"}, "4": {"成本"}, "5": {"损益"}})
    else:
        first_digit.update({"3": {"共同"}, "4": {"所有者权益"}, "5": {"成本"}})
    for row in load(name):
        assert row["class"] in ACCOUNT_CLASSES, row
        assert row["direction"] in ("借", "贷"), row
        assert row["class"] in first_digit[row["code"][0]], row


@pytest.mark.parametrize("name, profit, distribution", [
    ("small_business_2013", "3103", "3104"), ("enterprise", "4103", "4104")])
def test_the_closing_accounts_are_where_the_carry_forward_expects_them(name, profit, distribution):
    by_code = {row["code"]: row for row in load(name)}
    assert by_code[profit]["name"] == "本年利润" and by_code[profit]["direction"] == "贷"
    assert by_code[distribution]["name"] == "利润分配" and by_code[distribution]["direction"] == "贷"
    assert by_code[profit]["class"] == by_code[distribution]["class"] == "所有者权益"


@pytest.mark.parametrize("name", ["small_business_2013", "enterprise"])
def test_profit_and_loss_accounts_sit_on_the_right_side(name):
    checked = 0
    for row in load(name):
        if row["class"] != "损益" or row["name"] == "以前年度损益调整":
            continue
        expense = any(word in row["name"] for word in EXPENSE_WORDS)
        income = any(row["name"].endswith(word) for word in INCOME_WORDS)
        assert expense != income, row  # each name says which it is
        assert row["direction"] == ("借" if expense else "贷"), row
        checked += 1
    assert checked >= 12


def test_the_accounts_the_accrual_templates_use_exist():
    small = {row["code"]: row["name"] for row in load("small_business_2013")}
    assert {small[c] for c in ("5601", "5602", "4101", "2211", "1602", "5403", "2221", "1702", "1801")} == {
        "销售费用", "管理费用", "制造费用", "应付职工薪酬", "累计折旧", "税金及附加", "应交税费", "累计摊销", "长期待摊费用"}
    big = {row["code"]: row["name"] for row in load("enterprise")}
    assert {big[c] for c in ("6601", "6602", "5101", "2211", "1602", "6403", "2221", "1702", "1801")} == {
        "销售费用", "管理费用", "制造费用", "应付职工薪酬", "累计折旧", "税金及附加", "应交税费", "累计摊销", "长期待摊费用"}


def test_contra_accounts_carry_credit_balances():
    for name, codes in (("small_business_2013", ("1407", "1602", "1622", "1702")),
                        ("enterprise", ("1231", "1471", "1502", "1512", "1602", "1603", "1632", "1702", "1703"))):
        by_code = {row["code"]: row for row in load(name)}
        assert all(by_code[code]["direction"] == "贷" and by_code[code]["class"] == "资产" for code in codes)


def test_the_small_business_chart_is_the_reference_copy_and_the_enterprise_chart_its_documented_size():
    reference = Path("/work/shared/reference/chart_small_business_2013.csv")
    if reference.exists():  # the shared reference is outside the repository
        assert (CHARTS / "small_business_2013.csv").read_bytes() == reference.read_bytes()
    assert len(load("small_business_2013")) == 66
    enterprise = load("enterprise")
    assert len(enterprise) == 103
    names = {row["name"] for row in enterprise}
    assert "税金及附加" in names and "营业税金及附加" not in names  # renamed by 财会〔2016〕22号
    assert {"1001", "6901"} <= {row["code"] for row in enterprise}
