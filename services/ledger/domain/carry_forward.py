"""结转损益 (closing the profit-and-loss accounts) as voucher lines: pure, no database.

Every 损益 account (and auxiliary item) with a balance at the end of the period is
brought to zero by a line on the opposite side, and the difference goes to 本年利润:
one 本年利润 line for what the revenue side brought in (credit) and one for what the
expense side took out (debit), so the voucher shows the period's gross figures.
An abnormal balance (a revenue account with a debit balance after returns) is
closed the same way, by its sign. At year end a second voucher moves 本年利润's
balance to 利润分配—未分配利润."""
from decimal import Decimal

ZERO = Decimal("0.00")

# 本年利润 and 利润分配 by accounting standard
PROFIT_ACCOUNT = {"small_business_2013": "3103", "enterprise": "4103"}
DISTRIBUTION_ACCOUNT = {"small_business_2013": "3104", "enterprise": "4104"}
RETAINED_NAME = "未分配利润"

SUMMARY_PL = "结转本期损益"
SUMMARY_YEAR_END = "结转本年利润"


def _line(summary, account, debit=ZERO, credit=ZERO, aux_key=""):
    return {"summary": summary, "account": account, "debit": debit, "credit": credit, "aux_key": aux_key}


def closing_lines(balances, profit_account, summary=SUMMARY_PL):
    """`balances`: [(account_code, aux_key, net)] of 损益 leaves, net = debit − credit
    at the end of the period. Returns the voucher lines (debit/credit Decimal, one of
    them zero), or [] when there is nothing to close."""
    lines = []
    to_profit_credit = ZERO  # debits on revenue-type balances → credit 本年利润
    to_profit_debit = ZERO
    for code, aux_key, net in sorted(balances, key=lambda b: (b[0], b[1])):
        if net > 0:  # a debit balance (costs, expenses): credit it away
            lines.append(_line(summary, code, credit=net, aux_key=aux_key))
            to_profit_debit += net
        elif net < 0:
            lines.append(_line(summary, code, debit=-net, aux_key=aux_key))
            to_profit_credit += -net
    if not lines:
        return []
    if to_profit_credit:
        lines.append(_line(summary, profit_account, credit=to_profit_credit))
    if to_profit_debit:
        lines.append(_line(summary, profit_account, debit=to_profit_debit))
    return lines


def year_end_lines(profit_net, profit_account, retained_account, summary=SUMMARY_YEAR_END):
    """本年利润 → 利润分配—未分配利润. `profit_net` = 本年利润's debit − credit after
    the period's 损益 were closed (a profit is a credit balance, a negative net)."""
    if profit_net == 0:
        return []
    if profit_net < 0:  # profit: debit 本年利润, credit 未分配利润
        return [_line(summary, profit_account, debit=-profit_net), _line(summary, retained_account, credit=-profit_net)]
    return [_line(summary, retained_account, debit=profit_net), _line(summary, profit_account, credit=profit_net)]


def voucher_word(book_words):
    """转 when the book uses 转 (a transfer, no cash moves), else 记."""
    words = list(book_words or ["记"])
    if "转" in words:
        return "转"
    return "记" if "记" in words else words[0]
