"""Which periods take vouchers. A book starts at `start_period`; periods are closed in
order, so the open ones are every period after the latest closed one (and on/after
the start). Period rows are created open as vouchers need them."""
import calendar
from datetime import date

from servicekit.errors import BadRequest, Conflict
from servicekit.money import Period

FUTURE_LIMIT_MONTHS = 24  # a voucher dated further ahead than this is a typo, not a plan


def first_open(start_period, last_closed):
    """The first open period: the one after the latest closed, or the start."""
    start = Period.parse(str(start_period))
    if last_closed is None:
        return start
    following = Period.parse(str(last_closed)).next()
    return max(following, start)


def months_between(earlier, later):
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def check_date(day, start_period, last_closed, today):
    """The period of a voucher dated `day`, or an error: before the book's start
    (400 DATE_BEFORE_BOOK_START), in a closed period (409 PERIOD_CLOSED), or absurdly far
    ahead (400 DATE_OUT_OF_RANGE)."""
    period = Period.of(day)
    start = Period.parse(str(start_period))
    if period < start:
        raise BadRequest(code="DATE_BEFORE_BOOK_START",
                         message=f"凭证日期 {day.isoformat()} 早于账套的建账期间 {start}",
                         message_en=f"The date {day.isoformat()} is before the book starts ({start})",
                         details={"date": day.isoformat(), "start_period": str(start)})
    if last_closed is not None and period <= Period.parse(str(last_closed)):
        raise period_closed(period, first_open(start_period, last_closed))
    if months_between(Period.of(today), period) > FUTURE_LIMIT_MONTHS:
        raise BadRequest(code="DATE_OUT_OF_RANGE",
                         message=f"凭证日期 {day.isoformat()} 太远（超过{FUTURE_LIMIT_MONTHS}个月之后），请检查",
                         message_en=f"The date {day.isoformat()} is more than {FUTURE_LIMIT_MONTHS} months ahead; check it",
                         details={"date": day.isoformat()})
    return period


def check_open(period, start_period, last_closed):
    """Vouchers of `period` may be written, changed, deleted, renumbered or generated:
    it is after the latest closed period (409 PERIOD_CLOSED)."""
    if last_closed is not None and str(period) <= str(last_closed):
        raise period_closed(period, first_open(start_period, last_closed))


def period_closed(period, open_from):
    return Conflict(code="PERIOD_CLOSED", message=f"会计期间 {period} 已结账，不能再录入或修改凭证（当前可用期间从 {open_from} 开始）",
                    message_en=f"Period {period} is closed; vouchers go in {open_from} or later",
                    details={"period": str(period), "first_open_period": str(open_from)})


def last_day(period):
    return date(period.year, period.month, calendar.monthrange(period.year, period.month)[1])


def first_day(period):
    return date(period.year, period.month, 1)


def periods_from(start, end):
    """Every period from start to end, both included."""
    current, result = start, []
    while current <= end:
        result.append(current)
        current = current.next()
    return result


def default_date(today, start_period, last_closed):
    """A date for a generated voucher (a reversal): today when its period is open,
    else the first day of the first open period."""
    opening = first_open(start_period, last_closed)
    if Period.of(today) >= opening:
        return today
    return first_day(opening)
