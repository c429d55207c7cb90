"""Close checks: number gaps, earlier periods, messages in both languages."""
from servicekit.money import Period
from services.ledger.domain import closing


def test_number_gaps():
    assert closing.number_gaps({"记": [1, 2, 4, 7], "转": [1, 2], "收": []}) == {"记": [3, 5, 6]}


def test_periods_between():
    got = closing.periods_between(Period(2025, 11), Period(2026, 2))
    assert [str(p) for p in got] == ["2025-11", "2025-12", "2026-01"]


def test_checks_carry_code_and_both_languages():
    for c in (closing.earlier_open_check(["2026-01"]), closing.unposted_check([{"id": "x"}]),
              closing.gaps_check({"记": [2]}), closing.balanced_check({}, False),
              closing.profit_loss_check([{"account": "5001"}])):
        assert not c["ok"] and c["code"] and c["message"] and c["message_en"] and c["details"]
    ok = [closing.earlier_open_check([]), closing.unposted_check([]), closing.gaps_check({}),
          closing.balanced_check({}, True), closing.profit_loss_check([])]
    assert all(c["ok"] for c in ok) and closing.failing(ok) == []
