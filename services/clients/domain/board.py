"""A client's board for one month: what the agency did (service records), what
the client said (feedback), and the status of the books and the tax returns.

The ledger part is followed from the ledger's events (usecases/ledger_progress.py).
The tax service is not built yet: its part says so explicitly
({"status": "not_connected"}) instead of pretending; it will be fed by its events
(return_filed) once it exists.
"""
from collections import Counter
from datetime import date

NOT_CONNECTED = {"status": "not_connected",
                 "note": "该服务尚未接入 / this service is not connected yet"}


def month_bounds(period):
    """[first day, first day of the next month) of a servicekit.money.Period."""
    following = period.next()
    return date(period.year, period.month, 1), date(following.year, following.month, 1)


def build_board(client_id, period, records, feedback, ledger=None):
    """records: dicts with kind, date, ...; feedback: dicts with kind, status, satisfaction;
    ledger: the month's books progress (None: not connected)."""
    by_kind = Counter(r["kind"] for r in records)
    statuses = Counter(f["status"] for f in feedback)
    scores = [f["satisfaction"] for f in feedback if f.get("satisfaction") is not None]
    return {
        "client_id": client_id,
        "period": str(period),
        "service_records": {
            "count": len(records),
            "by_kind": dict(sorted(by_kind.items())),
            "items": sorted(records, key=lambda r: (r["date"], r.get("created_at") or "")),
        },
        "feedback": {
            "count": len(feedback),
            "open": statuses.get("open", 0),
            "handled": statuses.get("handled", 0),
            "closed": statuses.get("closed", 0),
            "complaints": sum(1 for f in feedback if f["kind"] == "complaint"),
            "average_satisfaction": round(sum(scores) / len(scores), 2) if scores else None,
        },
        "ledger": dict(ledger) if ledger is not None else dict(NOT_CONNECTED),
        "tax": dict(NOT_CONNECTED),
    }
