"""Period-end checks (结账检查): pure, no database. Each check is a dict
{code, ok, message, message_en, details}; a period closes only when all are ok."""
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


__all__ = ["Period", "periods_between", "number_gaps", "check", "earlier_open_check", "unposted_check", "gaps_check",
           "balanced_check", "profit_loss_check", "failing"]
