"""The books' progress per client and month, followed from the ledger's events, for
the monthly board: how many vouchers were posted, and whether the month is closed.
Each event is handled once (events.py claims it in the inbox first)."""
from datetime import datetime

from ..repository import ledger_progress as progress_sql


def _moment(text):
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def follow(call, envelope):
    """Apply one ledger event (voucher_posted, period_closed, period_reopened)."""
    data = envelope.get("data") or {}
    kind = envelope.get("event_type")
    if not envelope.get("client_id") or not envelope.get("agency_id"):
        return

    def key(period):
        return {"client_id": envelope["client_id"], "period": period, "agency_id": envelope["agency_id"]}

    sequence = int(envelope.get("sequence") or 0)
    if kind == "voucher_posted":
        period = (data.get("voucher") or {}).get("period")
        if period:
            progress_sql.add_posted(call.session, call.now, key(period))
    elif kind == "period_closed" and data.get("period"):
        progress_sql.set_state(call.session, call.now, key(data["period"]), True, _moment(data.get("closed_at")),
                               sequence)
    elif kind == "period_reopened" and data.get("period"):
        progress_sql.set_state(call.session, call.now, key(data["period"]), False, None, sequence)


def progress_of(call, client_id, period):
    """The board's ledger part for one month."""
    row = progress_sql.get(call.session, client_id, period)
    if row is None:
        return {"status": "no_activity", "vouchers_posted": 0, "closed": False, "closed_at": None}
    return {"status": "closed" if row.closed else "open", "vouchers_posted": row.vouchers_posted,
            "closed": row.closed, "closed_at": row.closed_at.isoformat() if row.closed_at else None}
