"""Close checks: number gaps, earlier periods, messages in both languages."""
import pytest

from servicekit.errors import Conflict
from servicekit.money import Period
from services.ledger.domain import closing
from services.ledger.domain.periods import check_open


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


# -- the preconditions of closing, reopening and carrying forward -----------------------------------


def passing_checks():
    return [closing.earlier_open_check([]), closing.unposted_check([]), closing.gaps_check({}),
            closing.balanced_check({}, True), closing.profit_loss_check([])]


def test_an_open_period_whose_checks_pass_closes():
    closing.check_closable("2026-03", "open", passing_checks())


def test_a_closed_period_does_not_close_again():
    with pytest.raises(Conflict) as raised:
        closing.check_closable("2026-03", "closed", passing_checks())
    assert raised.value.code == "PERIOD_CLOSED"


def test_a_failing_check_stops_the_close_and_is_listed():
    checks = passing_checks() + [closing.unposted_check([{"id": "v", "word": "记", "number": 3, "status": "draft"}])]
    with pytest.raises(Conflict) as raised:
        closing.check_closable("2026-03", "open", checks)
    error = raised.value
    assert error.code == "CLOSE_CHECK_FAILED"
    assert [c["code"] for c in error.details["checks"]] == ["VOUCHERS_UNPOSTED"]
    assert "未过账" in error.message and "not posted" in error.message_en


def test_only_the_latest_closed_period_reopens():
    closing.check_reopenable("2026-03", "2026-03")
    with pytest.raises(Conflict) as raised:
        closing.check_reopenable("2026-02", "2026-03")
    assert (raised.value.code, raised.value.details["latest_closed"]) == ("PERIOD_NOT_LATEST_CLOSED", "2026-03")
    with pytest.raises(Conflict) as raised:
        closing.check_reopenable("2026-02", None)
    assert raised.value.message_en == "No period is closed"


def test_carry_forward_needs_every_voucher_posted():
    closing.check_carry_forward("2026-03", [])
    with pytest.raises(Conflict) as raised:
        closing.check_carry_forward("2026-03", [{"id": "v", "word": "记", "number": 1, "status": "reviewed"}])
    assert (raised.value.code, raised.value.details["period"]) == ("VOUCHERS_UNPOSTED", "2026-03")


def test_vouchers_go_only_into_open_periods():
    check_open("2026-03", "2026-01", None)
    check_open("2026-03", "2026-01", "2026-02")
    with pytest.raises(Conflict) as raised:
        check_open("2026-02", "2026-01", "2026-02")
    assert raised.value.details == {"period": "2026-02", "first_open_period": "2026-03"}
