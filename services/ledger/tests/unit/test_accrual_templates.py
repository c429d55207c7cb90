"""The 计提 templates: accounts per standard, the surtax arithmetic, rounding and bad input."""
from decimal import Decimal

import pytest

from services.ledger.domain import accrual_templates
from services.ledger.domain.accrual_templates import AccrualError, build


def sides(lines):
    return [(line["account"], line["debit"], line["credit"]) for line in lines]


def balanced(lines):
    debit = sum(Decimal(line["debit"]) for line in lines if line["debit"])
    credit = sum(Decimal(line["credit"]) for line in lines if line["credit"])
    return debit == credit


def test_salary_small_business_and_enterprise():
    amounts = {"management": "12000.00", "selling": "8000.50", "manufacturing": "0"}
    lines = build("salary", "small_business_2013", amounts, period="2026-01")
    assert sides(lines) == [("5602", "12000.00", None), ("5601", "8000.50", None), ("2211", None, "20000.50")]
    assert lines[0]["summary"] == "计提工资（2026-01）"
    assert sides(build("salary", "enterprise", {"management": "100", "manufacturing": 1})) == [
        ("6602", "100.00", None), ("5101", "1.00", None), ("2211", None, "101.00")]
    assert build("salary", "enterprise", {"selling": "3"})[0]["summary"] == "计提工资"


def test_depreciation_goes_to_accumulated_depreciation():
    assert sides(build("depreciation", "small_business_2013", {"management": "1,000.00", "manufacturing": "250"})) == [
        ("5602", "1000.00", None), ("4101", "250.00", None), ("1602", None, "1250.00")]
    assert sides(build("depreciation", "enterprise", {"selling": "99.99"})) == [
        ("6601", "99.99", None), ("1602", None, "99.99")]


@pytest.mark.parametrize("location, city", [("urban", "700.00"), ("市区", "700.00"), ("county_town", "500.00"),
                                            ("县城、镇", "500.00"), ("other", "100.00"), ("其他", "100.00")])
def test_surtax_rates_by_location(location, city):
    lines = build("surtax", "small_business_2013", {"vat": "10000.00", "location_class": location})
    expected_total = Decimal(city) + Decimal("300.00") + Decimal("200.00")
    assert sides(lines) == [("5403", str(expected_total), None), ("2221", None, city),
                            ("2221", None, "300.00"), ("2221", None, "200.00")]
    assert [line["summary"] for line in lines] == ["计提税金及附加", "计提城市维护建设税", "计提教育费附加", "计提地方教育附加"]


def test_surtax_rounds_each_tax_half_up_to_the_cent():
    # base 1234.57: 城建税 86.4199 → 86.42, 教育费附加 37.0371 → 37.04, 地方教育附加 24.6914 → 24.69
    lines = build("surtax", "enterprise", {"vat": "1234.57", "location_class": "urban"})
    assert sides(lines) == [("6403", "148.15", None), ("2221", None, "86.42"), ("2221", None, "37.04"),
                            ("2221", None, "24.69")]
    # base 0.50 county: 5% = 0.025 → 0.03 and 3% = 0.015 → 0.02 (half up; banker's rounding would give 0.02, 0.02)
    lines = build("surtax", "enterprise", {"vat": "0.50", "location_class": "county_town"})
    assert sides(lines)[1:] == [("2221", None, "0.03"), ("2221", None, "0.02"), ("2221", None, "0.01")]


def test_surtax_adds_consumption_tax_to_the_base_and_halves_like_the_return():
    lines = build("surtax", "small_business_2013",
                  {"vat": "3000.00", "consumption_tax": "1000.00", "location_class": "urban", "halve": True})
    # base 4000: 280 → 140, 120 → 60, 80 → 40
    assert sides(lines) == [("5403", "240.00", None), ("2221", None, "140.00"), ("2221", None, "60.00"),
                            ("2221", None, "40.00")]
    # base 0.50 urban: 应纳 0.04 (0.035 half up) − 减征 0.02 = 0.02; 3%: 0.02 − 0.01 = 0.01;
    # 2%: 0.01 − round(0.005) = 0, so no line
    lines = build("surtax", "small_business_2013", {"vat": "0.50", "location_class": "urban", "halve": "是"})
    assert sides(lines) == [("5403", "0.03", None), ("2221", None, "0.02"), ("2221", None, "0.01")]
    assert balanced(lines)


def test_surtax_education_exemption_leaves_only_the_city_tax():
    lines = build("surtax", "small_business_2013",
                  {"vat": "900.00", "location_class": "other", "education_exempt": "true"})
    assert sides(lines) == [("5403", "9.00", None), ("2221", None, "9.00")]


def test_amortization_of_intangibles_and_long_term_prepaid():
    lines = build("amortization", "small_business_2013", {"intangible": "500", "long_term_prepaid": "1200.00"})
    assert sides(lines) == [("5602", "500.00", None), ("5602", "1200.00", None),
                            ("1702", None, "500.00"), ("1801", None, "1200.00")]
    assert sides(build("amortization", "enterprise", {"long_term_prepaid": "1"})) == [
        ("6602", "1.00", None), ("1801", None, "1.00")]


@pytest.mark.parametrize("template, standard, amounts, code", [
    ("salary", "small_business_2013", {"management": 100.5}, "ACCRUAL_AMOUNT_INVALID"),  # a float
    ("salary", "small_business_2013", {"management": "100.505"}, "ACCRUAL_AMOUNT_INVALID"),
    ("salary", "small_business_2013", {"management": "-1"}, "ACCRUAL_AMOUNT_INVALID"),
    ("salary", "small_business_2013", {"management": "abc"}, "ACCRUAL_AMOUNT_INVALID"),
    ("salary", "small_business_2013", {"management": "NaN"}, "ACCRUAL_AMOUNT_INVALID"),
    ("salary", "small_business_2013", {"management": True}, "ACCRUAL_AMOUNT_INVALID"),
    ("salary", "small_business_2013", {"managment": "1"}, "ACCRUAL_FIELD_UNKNOWN"),  # a typo is not ignored
    ("salary", "small_business_2013", {"management": "0", "selling": ""}, "ACCRUAL_NOTHING"),
    ("salary", "small_business_2013", {}, "ACCRUAL_NOTHING"),
    ("salary", "small_business_2013", ["1"], "ACCRUAL_AMOUNT_INVALID"),
    ("salary", "ifrs", {"management": "1"}, "STANDARD_UNKNOWN"),
    ("bonus", "small_business_2013", {"management": "1"}, "ACCRUAL_TEMPLATE_UNKNOWN"),
    ("surtax", "small_business_2013", {"vat": "100"}, "ACCRUAL_LOCATION_INVALID"),
    ("surtax", "small_business_2013", {"vat": "100", "location_class": "乡村"}, "ACCRUAL_LOCATION_INVALID"),
    ("surtax", "small_business_2013", {"vat": "0", "location_class": "urban"}, "ACCRUAL_NOTHING"),
    ("surtax", "small_business_2013", {"vat": "0.01", "location_class": "other"}, "ACCRUAL_NOTHING"),
    ("surtax", "small_business_2013", {"vat": "1", "location_class": "urban", "halve": "maybe"},
     "ACCRUAL_FLAG_INVALID"),
])
def test_bad_input_raises_a_value_error_with_code_and_both_messages(template, standard, amounts, code):
    with pytest.raises(AccrualError) as caught:
        build(template, standard, amounts)
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == code
    assert caught.value.message and caught.value.message_en


def test_every_template_balances_and_is_described():
    amounts = {"salary": {"management": "1.01", "selling": "2.02", "manufacturing": "3.03"},
               "depreciation": {"management": "4.44"},
               "surtax": {"vat": "77777.77", "location_class": "urban", "halve": True},
               "amortization": {"intangible": "0.01", "long_term_prepaid": "0.02"}}
    described = {item["key"]: item for item in accrual_templates.describe()}
    assert set(described) == set(amounts) == set(accrual_templates.TEMPLATES)
    for key, values in amounts.items():
        for standard in ("small_business_2013", "enterprise"):
            lines = build(key, standard, values)
            assert balanced(lines) and len(lines) >= 2
            assert all((line["debit"] is None) != (line["credit"] is None) for line in lines)
        assert set(values) <= {f["field"] for f in described[key]["fields"]}
        assert described[key]["name"] and described[key]["name_en"]
