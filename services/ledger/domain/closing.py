"""Period end, pure, no database: the close checks (结账检查) and the preconditions
of closing, reopening and carrying forward.

Each check is a dict {code, ok, message, message_en, details}; a period closes only
when all are ok (`check_closable`): every earlier period closed, every voucher of the
period posted, numbers without gaps, the trial balance balanced, the 损益 accounts
carried forward to zero. Only the latest closed period reopens (`check_reopenable`).
结转损益 needs every voucher of the period posted (`check_carry_forward`)."""
from servicekit.errors import Conflict
from servicekit.money import Period


def periods_between(first, last):
    """Periods from `first` up to but not including `last` (Period objects)."""
    out, current = [], first
    while current < last:
        out.append(current)
        current = current.next()
    return out


def number_gaps(numbers_by_word):
    """{word: [numbers used]} → {word: [missing numbers between 1 and the largest]}."""
    gaps = {}
    for word, numbers in numbers_by_word.items():
        used = set(numbers)
        missing = [n for n in range(1, max(used, default=0) + 1) if n not in used]
        if missing:
            gaps[word] = missing
    return gaps


def check(code, ok, message, message_en, details=None):
    return {"code": code, "ok": bool(ok), "message": message, "message_en": message_en, "details": details or {}}


def earlier_open_check(open_earlier):
    """`open_earlier`: earlier periods (strings) that are not closed."""
    if open_earlier:
        return check("EARLIER_PERIOD_OPEN", False, f"以前期间尚未结账：{'、'.join(open_earlier[:12])}",
                     "An earlier period is still open", {"periods": open_earlier})
    return check("EARLIER_PERIOD_OPEN", True, "以前期间均已结账", "Every earlier period is closed")


def unposted_check(unposted):
    """`unposted`: [{"id", "word", "number", "status"}] of the period's vouchers not posted."""
    if unposted:
        return check("VOUCHERS_UNPOSTED", False, f"本期有{len(unposted)}张凭证未过账",
                     f"{len(unposted)} voucher(s) of the period are not posted",
                     {"count": len(unposted), "vouchers": unposted[:100]})
    return check("VOUCHERS_UNPOSTED", True, "本期凭证均已过账", "Every voucher of the period is posted")


def gaps_check(gaps):
    if gaps:
        total = sum(len(v) for v in gaps.values())
        return check("VOUCHER_NUMBER_GAPS", False, f"凭证号不连续，缺{total}个号（请整理凭证）",
                     f"{total} voucher number(s) missing (renumber the vouchers)", {"gaps": gaps})
    return check("VOUCHER_NUMBER_GAPS", True, "凭证号连续", "Voucher numbers have no gaps")


def balanced_check(totals, balanced):
    """`totals`: the trial balance totals as strings."""
    if not balanced:
        return check("TRIAL_BALANCE_UNBALANCED", False, "试算不平衡", "The trial balance does not balance",
                     {"totals": totals})
    return check("TRIAL_BALANCE_UNBALANCED", True, "试算平衡", "The trial balance balances", {"totals": totals})


def profit_loss_check(remaining):
    """`remaining`: [{"account", "aux_item", "balance"}] of 损益 accounts not zero at period end."""
    if remaining:
        return check("PROFIT_LOSS_NOT_CARRIED", False, f"有{len(remaining)}个损益类科目余额不为零，请先结转损益",
                     f"{len(remaining)} profit-and-loss account(s) have a balance: carry forward first",
                     {"accounts": remaining[:100]})
    return check("PROFIT_LOSS_NOT_CARRIED", True, "损益类科目已结平", "Every profit-and-loss account is zero")


def failing(checks):
    return [c for c in checks if not c["ok"]]


def check_closable(period, status, checks):
    """`period` ("YYYY-MM") may close: it is not closed yet (409 PERIOD_CLOSED) and
    every check passes (409 CLOSE_CHECK_FAILED listing the failing ones)."""
    if status == "closed":
        raise Conflict(code="PERIOD_CLOSED", message=f"会计期间 {period} 已结账",
                       message_en=f"Period {period} is already closed", details={"period": period})
    failed = failing(checks)
    if failed:
        raise Conflict(code="CLOSE_CHECK_FAILED", message=f"会计期间 {period} 未通过结账检查：" +
                       "；".join(c["message"] for c in failed),
                       message_en=f"Period {period} failed the close checks: " + "; ".join(c["message_en"] for c in failed),
                       details={"period": period, "checks": failed})


def check_reopenable(period, latest_closed):
    """反结账 only of the latest closed period (409 PERIOD_NOT_LATEST_CLOSED)."""
    if latest_closed != period:
        raise Conflict(code="PERIOD_NOT_LATEST_CLOSED",
                       message=f"只能反结账最近一个已结账期间（{latest_closed}）" if latest_closed else "没有已结账的期间",
                       message_en=(f"Only the latest closed period ({latest_closed}) can be reopened" if latest_closed
                                   else "No period is closed"),
                       details={"period": period, "latest_closed": latest_closed})


def check_carry_forward(period, unposted):
    """结转损益 of `period` needs its vouchers all posted (409 VOUCHERS_UNPOSTED);
    `unposted`: [{"id", "word", "number", "status"}]."""
    if unposted:
        raise Conflict(code="VOUCHERS_UNPOSTED",
                       message=f"会计期间 {period} 还有{len(unposted)}张凭证未过账，请先审核记账再结转损益",
                       message_en=f"Period {period} has {len(unposted)} voucher(s) not posted: post them before "
                                  f"carrying forward",
                       details={"period": period, "vouchers": unposted[:100]})


__all__ = ["Period", "periods_between", "number_gaps", "check", "earlier_open_check", "unposted_check", "gaps_check",
           "balanced_check", "profit_loss_check", "failing", "check_closable", "check_reopenable",
           "check_carry_forward"]
