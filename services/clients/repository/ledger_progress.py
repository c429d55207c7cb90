"""The books' progress per client and month, projected from the ledger's events."""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..tables import ledger_progress


def upsert(session, now, key, values, on_conflict, where=None):
    """Insert `values` for `key` ({client_id, period, agency_id}), or apply `on_conflict`
    to the existing row (only where `where` holds)."""
    statement = insert(ledger_progress).values(**key, updated_at=now, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["client_id", "period"],
                                                    set_={"updated_at": now, **on_conflict}, where=where))


def add_posted(session, now, key):
    """One more voucher posted in the month."""
    upsert(session, now, key, {"vouchers_posted": 1}, {"vouchers_posted": ledger_progress.c.vouchers_posted + 1})


def set_state(session, now, key, closed, closed_at, sequence):
    """Closed or open, unless a later close/reopen of the book (a higher event
    sequence) was applied already: handlers may run out of order."""
    values = {"closed": closed, "closed_at": closed_at, "state_sequence": sequence}
    upsert(session, now, key, values, values, where=ledger_progress.c.state_sequence < sequence)


def get(session, client_id, period):
    return session.execute(select(ledger_progress).where(ledger_progress.c.client_id == client_id,
                                                         ledger_progress.c.period == str(period))).first()
