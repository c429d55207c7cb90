"""Numbering (gap-free, 整理凭证), periods and reversal, without a database."""
from datetime import date
from decimal import Decimal

import pytest

from servicekit.errors import BadRequest, Conflict
from servicekit.money import Period
from services.ledger.domain.numbering import Numbered, allocated, gaps, renumber_plan
from services.ledger.domain.periods import check_date, default_date, first_open, last_day, periods_from
from services.ledger.domain.reversal import check_reversible, reversal_lines, reversal_summary


def v(vid, number, day, posted=False):
    return Numbered(vid, number, date(2026, 1, day), posted)


def test_allocated_and_gaps():
    assert allocated(5, 3) == [3, 4, 5] and allocated(1, 1) == [1]
    assert gaps([1, 2, 5, 7]) == [3, 4, 6] and gaps([]) == [] and gaps([1, 2, 3]) == []


def test_nothing_posted_renumbers_by_date():
    plan = renumber_plan([v("a", 1, 20), v("b", 3, 5), v("c", 4, 5), v("d", 7, 1)])
    assert plan == [("d", 7, 1), ("b", 3, 2), ("c", 4, 3), ("a", 1, 4)]
    assert renumber_plan([v("a", 1, 1), v("b", 2, 2)]) == []  # already tidy


def test_posted_numbers_stay_and_the_rest_fill_the_gaps():
    plan = renumber_plan([v("a", 1, 9, posted=True), v("b", 3, 1), v("c", 5, 2), v("d", 2, 20, posted=True)])
    # posted 1 and 2 stay; b and c take 3 and 4 in date order
    assert plan == [("c", 5, 4)]
    plan = renumber_plan([v("p", 2, 1, posted=True), v("x", 6, 3), v("y", 4, 2)])
    assert plan == [("y", 4, 1), ("x", 6, 3)]


def test_a_gap_below_a_posted_voucher_that_nothing_can_fill():
    with pytest.raises(Conflict) as caught:
        renumber_plan([v("a", 1, 1), v("b", 4, 2, posted=True)], word="记")
    error = caught.value
    assert error.code == "VOUCHER_GAP_BELOW_POSTED" and error.details == {"word": "记", "gaps": [2, 3],
                                                                        "posted_numbers": [4]}
    assert "记-4" in error.message and "posted" in error.message_en


def test_open_periods():
    assert first_open("2026-01", None) == Period(2026, 1)
    assert first_open("2026-01", "2026-03") == Period(2026, 4)
    assert first_open("2026-05", "2025-12") == Period(2026, 5)
    today = date(2026, 11, 28)
    assert check_date(date(2026, 4, 1), "2026-01", "2026-03", today) == Period(2026, 4)
    for day, last_closed, code in ((date(2025, 12, 31), None, "DATE_BEFORE_BOOK_START"),
                                   (date(2026, 3, 31), "2026-03", "PERIOD_CLOSED"),
                                   (date(2026, 2, 1), "2026-03", "PERIOD_CLOSED"),
                                   (date(2029, 1, 1), None, "DATE_OUT_OF_RANGE")):
        with pytest.raises((BadRequest, Conflict)) as caught:
            check_date(day, "2026-01", last_closed, today)
        assert caught.value.code == code
    with pytest.raises(Conflict) as caught:
        check_date(date(2026, 2, 1), "2026-01", "2026-03", today)
    assert caught.value.status == 409 and caught.value.details["first_open_period"] == "2026-04"


def test_dates_for_generated_vouchers():
    assert default_date(date(2026, 11, 28), "2026-01", None) == date(2026, 11, 28)
    assert default_date(date(2026, 11, 28), "2027-01", None) == date(2027, 1, 1)
    assert default_date(date(2026, 3, 5), "2026-01", "2026-03") == date(2026, 4, 1)
    assert last_day(Period(2024, 2)) == date(2024, 2, 29)
    assert periods_from(Period(2025, 11), Period(2026, 2)) == [Period(2025, 11), Period(2025, 12), Period(2026, 1),
                                                               Period(2026, 2)]


def test_reversal_rules():
    base = {"word": "记", "number": 3, "status": "posted", "reversal_of": None, "reversed_by": None}
    check_reversible(base)
    for changes, code in (({"status": "draft"}, "VOUCHER_STATUS"), ({"status": "reviewed"}, "VOUCHER_STATUS"),
                          ({"reversal_of": "x"}, "VOUCHER_IS_REVERSAL"), ({"reversed_by": "y"}, "VOUCHER_ALREADY_REVERSED")):
        with pytest.raises(Conflict) as caught:
            check_reversible({**base, **changes})
        assert caught.value.code == code
    summary = reversal_summary("记", 3, "2026-01")
    assert summary == "冲销2026-01期记字第3号凭证" and reversal_summary("记", 3, "2026-01", "改") == "改"
    lines = reversal_lines([
        {"account_code": "1001", "debit": Decimal("5.00"), "credit": Decimal("0.00"), "aux_key": "",
         "quantity": Decimal("2"), "unit_price": Decimal("2.5")},
        {"account_code": "1122", "debit": Decimal("0.00"), "credit": Decimal("5.00"), "aux_key": "a1",
         "quantity": None, "unit_price": None}], summary)
    assert lines == [
        {"summary": summary, "account": "1001", "debit": Decimal("-5.00"), "credit": None, "aux_item": None,
         "quantity": Decimal("-2"), "unit_price": Decimal("2.5")},
        {"summary": summary, "account": "1122", "debit": None, "credit": Decimal("-5.00"), "aux_item": "a1",
         "quantity": None, "unit_price": None}]
