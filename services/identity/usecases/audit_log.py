"""Reading and verifying the agency's audit log."""
from sqlalchemy import func, select

from .. import audit
from ..tables import audit_log
from .views import audit_view


def list_entries(call, query):
    where = [audit_log.c.agency_id == call.auth.agency_id]
    if query.get("action"):
        where.append(audit_log.c.action == query["action"])
    if query.get("actor_id"):
        where.append(audit_log.c.actor_id == str(query["actor_id"]))
    if query.get("target_id"):
        where.append(audit_log.c.target_id == query["target_id"])
    if query.get("since"):
        where.append(audit_log.c.occurred_at >= query["since"])
    if query.get("until"):
        where.append(audit_log.c.occurred_at < query["until"])
    page, size = query["page"], query["page_size"]
    total = call.session.execute(select(func.count()).select_from(audit_log).where(*where)).scalar()
    rows = call.session.execute(select(audit_log).where(*where).order_by(audit_log.c.seq.desc())
                                .offset((page - 1) * size).limit(size)).all()
    return {"items": [audit_view(r) for r in rows], "total": total, "page": page, "page_size": size}


def verify(call):
    return audit.verify_agency(call.session, call.auth.agency_id)
