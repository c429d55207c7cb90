"""The books' progress per client and month, followed from the ledger's events, for
the monthly board: how many vouchers were posted, and whether the month is closed.
Each event is handled once (the service claims it in the inbox first)."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..tables import ledger_progress


def _moment(text):
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _upsert(call, envelope, period, values, on_conflict, where=None):
    stmt = insert(ledger_progress).values(client_id=envelope["client_id"], period=period,
                                          agency_id=envelope["agency_id"], updated_at=call.now, **values)
    call.session.execute(stmt.on_conflict_do_update(index_elements=["client_id", "period"],
                                                    set_={"updated_at": call.now, **on_conflict}, where=where))


def _state(call, envelope, period, closed, closed_at):
    """Closed or open, unless a later close/reopen of the book was applied already."""
    sequence = int(envelope.get("sequence") or 0)
    values = {"closed": closed, "closed_at": closed_at, "state_sequence": sequence}
    _upsert(call, envelope, period, values, values, where=ledger_progress.c.state_sequence < sequence)


def follow(call, envelope):
    """Apply one ledger event (voucher_posted, period_closed, period_reopened)."""
    data = envelope.get("data") or {}
    kind = envelope.get("event_type")
    if not envelope.get("client_id") or not envelope.get("agency_id"):
        return
    if kind == "voucher_posted":
        period = (data.get("voucher") or {}).get("period")
        if period:
            _upsert(call, envelope, period, {"vouchers_posted": 1},
                    {"vouchers_posted": ledger_progress.c.vouchers_posted + 1})
    elif kind == "period_closed" and data.get("period"):
        _state(call, envelope, data["period"], True, _moment(data.get("closed_at")))
    elif kind == "period_reopened" and data.get("period"):
        _state(call, envelope, data["period"], False, None)


def progress_of(call, client_id, period):
    """The board's ledger part for one month."""
    row = call.session.execute(select(ledger_progress).where(ledger_progress.c.client_id == client_id,
                                                             ledger_progress.c.period == str(period))).first()
    if row is None:
        return {"status": "no_activity", "vouchers_posted": 0, "closed": False, "closed_at": None}
    return {"status": "closed" if row.closed else "open", "vouchers_posted": row.vouchers_posted,
            "closed": row.closed, "closed_at": row.closed_at.isoformat() if row.closed_at else None}
