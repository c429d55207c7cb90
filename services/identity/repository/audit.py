"""The per-agency audit log: appending, reading and verifying its hash chain (the
rules of the chain itself are in domain/audit_chain.py)."""
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ..domain.audit_chain import GENESIS_HASH, chain_entry, verify_chain
from ..tables import audit_heads, audit_log


def append(session, *, agency_id, action, actor_id=None, actor_name=None, target_type=None,
           target_id=None, ip=None, user_agent=None, details=None, occurred_at=None, source_event_id=None):
    """Append one entry in the caller's transaction. The chain head row is locked,
    so concurrent writers of one agency take turns and the chain stays linear."""
    session.execute(insert(audit_heads).values(agency_id=agency_id, last_seq=0, last_hash=GENESIS_HASH)
                    .on_conflict_do_nothing())
    head = session.execute(select(audit_heads).where(audit_heads.c.agency_id == agency_id)
                           .with_for_update()).one()
    entry = chain_entry({
        "agency_id": str(agency_id), "occurred_at": occurred_at or datetime.now(timezone.utc),
        "actor_id": None if actor_id is None else str(actor_id), "actor_name": actor_name,
        "action": action, "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "ip": ip, "user_agent": user_agent, "details": details or {},
    }, head.last_seq, head.last_hash)
    session.execute(audit_log.insert().values(**entry, source_event_id=source_event_id))
    session.execute(audit_heads.update().where(audit_heads.c.agency_id == agency_id)
                    .values(last_seq=entry["seq"], last_hash=entry["hash"]))
    return entry


def verify_agency(session, agency_id):
    """Check the whole chain of one agency, including that nothing was cut off the end
    (the head row records where it ends)."""
    rows = session.execute(select(audit_log).where(audit_log.c.agency_id == agency_id)
                           .order_by(audit_log.c.seq)).all()
    head = session.execute(select(audit_heads).where(audit_heads.c.agency_id == agency_id)).first()
    result = verify_chain(rows, expected_head=(head.last_seq, head.last_hash) if head else None)
    return {"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq,
            "reason": result.reason, "detail": result.detail}


def chained_agencies(session):
    """Every agency that has an audit chain."""
    return [row.agency_id for row in session.execute(select(audit_heads.c.agency_id).order_by(audit_heads.c.agency_id))]


def page(session, agency_id, *, page, size, action=None, actor_id=None, target_id=None, since=None, until=None):
    """(total, one page) of the agency's entries, newest first."""
    where = [audit_log.c.agency_id == agency_id]
    if action:
        where.append(audit_log.c.action == action)
    if actor_id:
        where.append(audit_log.c.actor_id == str(actor_id))
    if target_id:
        where.append(audit_log.c.target_id == target_id)
    if since:
        where.append(audit_log.c.occurred_at >= since)
    if until:
        where.append(audit_log.c.occurred_at < until)
    total = session.execute(select(func.count()).select_from(audit_log).where(*where)).scalar()
    rows = session.execute(select(audit_log).where(*where).order_by(audit_log.c.seq.desc())
                           .offset((page - 1) * size).limit(size)).all()
    return total, rows
