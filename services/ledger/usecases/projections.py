"""Projections of other services' events into the ledger's own tables (the handlers
that call these are in events.py; the inbox claim is theirs).

client_staff: who serves which client, from clients' assignment_changed (one user per
role per client). The access rule (usecases/access.py) reads it, and asks the clients
service when it has no row yet (the event may still be on its way)."""
import logging

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert

from servicekit.ids import valid_uuid

from ..tables import client_staff

log = logging.getLogger(__name__)
CLIENT_STAFF = "ledger.client_staff"  # the inbox consumer of assignment_changed
ROLES = ("supervisor", "accountant", "assistant")


def apply_assignment_changed(session, envelope):
    """Apply one assignment_changed envelope. Returns what it did: 'assigned',
    'unassigned' or 'ignored'."""
    data = envelope.get("data") or {}
    client_id, role = valid_uuid(data.get("client_id")), data.get("role")
    agency_id = valid_uuid(envelope.get("agency_id"))
    if client_id is None or agency_id is None or role not in ROLES:
        # a malformed event would be redelivered forever if we raised: record and skip it
        log.warning("ledger: ignoring malformed assignment_changed %s", envelope.get("event_id"))
        return "ignored"
    after = valid_uuid(data.get("after_user_id"))
    if after is None:
        session.execute(delete(client_staff).where(client_staff.c.client_id == client_id, client_staff.c.role == role,
                                                   client_staff.c.agency_id == agency_id))
        return "unassigned"
    stmt = pg_insert(client_staff).values(client_id=client_id, role=role, agency_id=agency_id, user_id=after)
    session.execute(stmt.on_conflict_do_update(index_elements=["client_id", "role"],
                                               set_={"user_id": after, "agency_id": agency_id}))
    return "assigned"
