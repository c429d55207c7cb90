"""Reading and verifying the agency's audit log."""
from ..repository import audit
from .views import audit_view


def list_entries(call, query):
    page, size = query["page"], query["page_size"]
    total, rows = audit.page(call.session, call.auth.agency_id, page=page, size=size, action=query.get("action"),
                             actor_id=query.get("actor_id"), target_id=query.get("target_id"),
                             since=query.get("since"), until=query.get("until"))
    return {"items": [audit_view(r) for r in rows], "total": total, "page": page, "page_size": size}


def verify(call):
    return audit.verify_agency(call.session, call.auth.agency_id)
