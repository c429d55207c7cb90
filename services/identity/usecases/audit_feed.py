"""Other services' events that belong in the agency's audit log (审计日志).

The audit log is identity's, hash-chained per agency; the clients and ledger
services publish what an auditor must see and identity appends it here, with the
event id as `source_event_id` so an entry is never written twice. Never values:
the events carry who, what and which record, not the revealed number."""
from datetime import datetime

from ..repository import audit

# (source service, event type) -> (action, target type, the data field naming the target)
FOLLOWED = {
    ("clients", "sensitive_revealed"): ("client.sensitive_revealed", "client", "client_id"),
    ("clients", "assignment_changed"): ("client.assignment_changed", "client", "client_id"),
    ("clients", "client_status_changed"): ("client.status_changed", "client", "client_id"),
    ("ledger", "period_closed"): ("ledger.period_closed", "book", "book_id"),
    ("ledger", "period_reopened"): ("ledger.period_reopened", "book", "book_id"),
    ("ledger", "voucher_reversed"): ("ledger.voucher_reversed", "voucher", "voucher_id"),
}

# data fields that name who did it, in the order they are looked for
ACTOR_FIELDS = ("actor_id", "reopened_by", "closed_by")


def _occurred_at(envelope):
    try:
        return datetime.fromisoformat(str(envelope["occurred_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def record(session, source, envelope):
    """Append one audit entry for an event of `source` (a service name). Events of a
    kind not followed, or without an agency, are ignored."""
    followed = FOLLOWED.get((source, envelope.get("event_type")))
    if followed is None or not envelope.get("agency_id"):
        return None
    action, target_type, target_field = followed
    data = envelope.get("data") or {}
    actor = next((data[f] for f in ACTOR_FIELDS if isinstance(data.get(f), str)), None)
    target = data.get(target_field) or envelope.get("aggregate_id")
    details = {key: value for key, value in data.items() if key not in ("lines",)}
    details["source"] = {"service": source, "sequence": envelope.get("sequence")}
    return audit.append(session, agency_id=envelope["agency_id"], action=action, actor_id=actor,
                        target_type=target_type, target_id=target, details=details,
                        occurred_at=_occurred_at(envelope), source_event_id=str(envelope["event_id"]))
