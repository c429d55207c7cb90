"""Voucher numbers: per book, period and word, 1, 2, 3 … without gaps.

The counter (`voucher_counters.last_number`) is advanced by an upsert that row-locks it
until the creating transaction ends, so concurrent creates queue up and a rolled-back
create gives its number back. Deleting a draft leaves a gap; 整理凭证 (`renumber_plan`)
closes gaps:

- no voucher of the (period, word) is posted: all are renumbered 1..N in date order
  (then by their old number);
- some are posted: posted vouchers keep their numbers (they were published and may be
  printed and filed); the unposted ones fill the free numbers 1..N in date order. A gap
  no unposted voucher can fill (a posted voucher's number is above N) is refused with
  409 VOUCHER_GAP_BELOW_POSTED: make (or move) a voucher into the period and 整理 again —
  it takes the free number."""
from dataclasses import dataclass
from datetime import date

from servicekit.errors import Conflict


@dataclass(frozen=True)
class Numbered:
    id: str
    number: int
    date: date
    posted: bool


def allocated(last_number, count):
    """The numbers a counter at `last_number` handed out for `count` new vouchers."""
    return list(range(last_number - count + 1, last_number + 1))


def gaps(numbers):
    """The numbers missing from 1..max(numbers)."""
    present = set(numbers)
    return [n for n in range(1, max(present, default=0) + 1) if n not in present]


def renumber_plan(vouchers, word="记"):
    """[(id, old, new)] for the vouchers of one period and word whose number changes.
    Raises 409 VOUCHER_GAP_BELOW_POSTED when posted numbers leave a gap that cannot be filled."""
    count = len(vouchers)
    posted = [v for v in vouchers if v.posted]
    movable = sorted((v for v in vouchers if not v.posted), key=lambda v: (v.date, v.number))
    fixed = {v.number for v in posted}
    stranded = sorted(v.number for v in posted if v.number > count)
    if stranded:
        missing = [n for n in range(1, max(stranded)) if n not in {v.number for v in vouchers}]
        raise Conflict(code="VOUCHER_GAP_BELOW_POSTED",
                       message=f"已记账凭证 {word}-{stranded[0]} 之前有断号（{_numbers(missing)}），已记账凭证的编号不能修改；"
                               f"请在本期新增凭证后再整理，新凭证会补上空号",
                       message_en=f"There are gaps ({_numbers(missing)}) below the posted voucher {word}-{stranded[0]}, "
                                  f"and posted numbers never change; add a voucher to the period and renumber again — "
                                  f"it takes the free number",
                       details={"word": word, "gaps": missing, "posted_numbers": stranded})
    free = [n for n in range(1, count + 1) if n not in fixed]
    return [(v.id, v.number, new) for v, new in zip(movable, free) if v.number != new]


def _numbers(numbers):
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (" …" if len(numbers) > 10 else "")
