"""Loading the chart templates a book starts from."""
import pytest

from services.ledger.domain.chart import ChartError, chart_of, parse_row


def test_small_business_chart():
    chart = chart_of("small_business_2013")
    assert len(chart) == 66 and [a["code"] for a in chart] == sorted(a["code"] for a in chart)
    by_code = {a["code"]: a for a in chart}
    assert by_code["1002"] == {"code": "1002", "name": "银行存款", "class": "资产", "direction": "debit"}
    assert by_code["1602"]["direction"] == "credit" and by_code["5403"]["name"] == "税金及附加"


def test_enterprise_chart():
    chart = chart_of("enterprise")
    assert len(chart) == 103 and len({a["code"] for a in chart}) == 103


def test_refusals():
    with pytest.raises(ChartError):
        chart_of("ifrs")
    for row in ({"code": "10", "name": "x", "class": "资产", "direction": "借"},
                {"code": "1001", "name": "", "class": "资产", "direction": "借"},
                {"code": "1001", "name": "x", "class": "收入", "direction": "借"},
                {"code": "1001", "name": "x", "class": "资产", "direction": "debit"}):
        with pytest.raises(ChartError):
            parse_row(row)
