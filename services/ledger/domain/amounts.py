"""Amounts against the columns that keep them, pure: money is NUMERIC(20,2), so every
amount the ledger writes — a line (the schema already checks it), a voucher's total,
a balance's debit and credit sums — stays below 10^18 in size (18 digits before the
point). A sum that would not fit is refused before anything is written:

    a voucher whose total does not fit        400 AMOUNT_OUT_OF_RANGE {field: "total"}
    posting that would push a balance over    409 AMOUNT_OUT_OF_RANGE {account, …}

Posting checks each key's movement here (`check_movements`) and the held sum plus
the movement in the balance upsert itself (repository/balances.py: `fits` in SQL,
so the hot path reads nothing more)."""
from servicekit.errors import BadRequest, Conflict
from servicekit.money import MAX_AMOUNT

LIMIT_TEXT = "999,999,999,999,999,999.99"


def fits(value):
    """True when `value` fits a NUMERIC(20,2) column."""
    return -MAX_AMOUNT < value < MAX_AMOUNT


def check_total(debit_total, credit_total):
    """A voucher's totals (what vouchers.total keeps): 400 when they do not fit."""
    for side, value in (("debit", debit_total), ("credit", credit_total)):
        if not fits(value):
            raise BadRequest(code="AMOUNT_OUT_OF_RANGE",
                             message=f"凭证合计金额过大（{'借' if side == 'debit' else '贷'}方合计超过 {LIMIT_TEXT}）",
                             message_en=f"The voucher's {side} total is too large (at most {LIMIT_TEXT})",
                             details={"field": "total", "side": side, "total": format(value, "f"),
                                      "limit": format(MAX_AMOUNT - 1, "f")})


def balance_out_of_range(accounts, where=None):
    """409: posting would push the balance of `accounts` (codes) past what it can hold."""
    accounts = sorted(set(accounts))
    listed = "、".join(accounts[:20])
    return Conflict(code="AMOUNT_OUT_OF_RANGE",
                    message=f"记账后科目 {listed} 的累计发生额将超过 {LIMIT_TEXT}，不能记账",
                    message_en=f"Posting would take the totals of account(s) {', '.join(accounts[:20])} past "
                               f"{LIMIT_TEXT}; nothing was posted",
                    details={"field": "balance", "accounts": accounts[:1000], "limit": format(MAX_AMOUNT - 1, "f"),
                             **({"where": where} if where else {})})


def check_movements(sums):
    """`sums`: {(when, account, aux_key): (debit, credit, …)} a posting adds to the
    balances; each must fit by itself (409 naming the accounts)."""
    wrong = [key[1] for key, entry in sums.items() if not (fits(entry[0]) and fits(entry[1]))]
    if wrong:
        raise balance_out_of_range(wrong)
