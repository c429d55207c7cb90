"""Shared helpers for the reports, period-end and batch-close service tests (no tests
here). Data goes in only through the ledger's own RPCs: books, accounts, opening
balances, vouchers created, reviewed and posted as a user would."""
from decimal import Decimal

D = Decimal


def line(account, debit=None, credit=None, summary="摘要", aux_item=None):
    out = {"summary": summary, "account": account}
    if debit is not None:
        out["debit"] = debit
    if credit is not None:
        out["credit"] = credit
    if aux_item is not None:
        out["aux_item"] = aux_item
    return out


class Ledger:
    """One actor's RPC calls on one client's book."""

    def __init__(self, rpc, actor, client_id):
        self.rpc, self.actor, self.client_id = rpc, actor, client_id

    def __call__(self, method, *args, actor=None):
        return self.rpc.ledger(method, self.client_id, *args, context=(actor or self.actor).context())

    def voucher(self, day, *lines, word="记", post=True):
        made = self("create_voucher", {"date": day, "word": word, "lines": list(lines)})
        if post:
            self("review_voucher", made["id"])
            return self("post_voucher", made["id"])
        return made

    def post_period(self, period):
        self("review_vouchers", {"period": period})
        return self("post_vouchers", {"period": period})


def open_book(rpc, new_book, actor, **payload):
    """A new book (self-review allowed, so one actor can enter, review and post)."""
    client, book = new_book(actor, allow_self_review=True, **payload)
    return Ledger(rpc, actor, client["id"]), book


def net_of(row, prefix):
    """(debit − credit) of a trial-balance row's `prefix` pair (opening/closing)."""
    return D(row[f"{prefix}_debit"]) - D(row[f"{prefix}_credit"])


def signed(balance):
    """A 总账/明细账 balance {side, balance} as a net (debit − credit)."""
    amount = D(balance["balance"])
    return -amount if balance["side_en"] == "credit" else amount
