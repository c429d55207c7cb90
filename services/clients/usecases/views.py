"""How the clients service's records look to callers and in events. Sensitive
values appear only masked; events carry only the company's own fields."""
from servicekit.money import money_str

from contracts.clients.labels import ASSIGNMENT_ROLES, COMPANY_FIELDS, TAXPAYER_TYPES


def iso(value):
    return None if value is None else value.isoformat()


def _plain(key, value):
    if value is None:
        return None
    if key in ("registered_capital", "fee"):
        return money_str(value)
    if key in ("establishment_date",):
        return value.isoformat()
    return value


def company_fields(row):
    """The company's own, non-personal fields (what events and exports may carry)."""
    return {key: _plain(key, getattr(row, key)) for key in COMPANY_FIELDS}


def legal_rep_view(row):
    if row.legal_rep_name is None and row.legal_rep_id_number_masked is None:
        return None
    return {"name": row.legal_rep_name, "id_number_masked": row.legal_rep_id_number_masked}


def assignments_view(rows):
    """{"supervisor": {"user_id", "name", "assigned_at"} or None, "accountant": …, "assistant": …}"""
    view = {role: None for role in ASSIGNMENT_ROLES}
    for row in rows:
        view[row.role] = {"user_id": row.user_id, "name": row.user_name, "assigned_at": iso(row.assigned_at)}
    return view


def client_view(row, *, assignments=(), contacts=None, bank_accounts=None):
    view = {
        "id": row.id,
        "agency_id": row.agency_id,
        **company_fields(row),
        "taxpayer_type_label": TAXPAYER_TYPES.get(row.taxpayer_type),
        "status": row.status,
        "status_reason": row.status_reason,
        "legal_representative": legal_rep_view(row),
        "assignments": assignments_view(assignments),
        "version": row.version,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
    if contacts is not None:
        view["contacts"] = [contact_view(c) for c in contacts]
    if bank_accounts is not None:
        view["bank_accounts"] = [bank_account_view(b) for b in bank_accounts]
    return view


def list_item_view(row, assignments=()):
    """A client in a list: everything but the long business scope (and no contacts or
    bank accounts), so a page of 200 stays small; GET one client has it all."""
    view = client_view(row, assignments=assignments)
    view.pop("business_scope")
    return view


def event_client(row):
    return {"id": row.id, **company_fields(row), "status": row.status, "version": row.version}


def contact_view(row):
    return {"id": row.id, "client_id": row.client_id, "name": row.name, "role": row.role, "mobile": row.mobile,
            "email": row.email, "wechat": row.wechat, "primary": row.is_primary, "created_at": iso(row.created_at)}


def bank_account_view(row):
    return {"id": row.id, "client_id": row.client_id, "bank": row.bank, "branch": row.branch,
            "account_number_masked": row.account_number_masked, "purpose": row.purpose, "currency": row.currency,
            "created_at": iso(row.created_at)}


def contract_terms(row):
    return {"start_date": iso(row.start_date), "end_date": iso(row.end_date), "services": list(row.services),
            "fee": money_str(row.fee), "billing_cycle": row.billing_cycle, "notes": row.notes}


def contract_view(row, client_name=None):
    view = {"id": row.id, "client_id": row.client_id, "number": row.number, "status": row.status,
            **contract_terms(row), "revision": row.revision, "terminated_on": iso(row.terminated_on),
            "termination_reason": row.termination_reason, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}
    if client_name is not None:
        view["client_name"] = client_name
    return view


def event_contract(row):
    view = contract_view(row)
    view.pop("created_at")
    view.pop("updated_at")
    view.pop("notes")  # free text for the agency, not for subscribers
    return view


def contract_history_view(row):
    return {"id": row.id, "action": row.action, "from_status": row.from_status, "to_status": row.to_status,
            "revision": row.revision, "previous_terms": row.previous_terms, "note": row.note,
            "actor_id": row.actor_id, "at": iso(row.at)}


def assignment_history_view(row):
    return {"id": row.id, "client_id": row.client_id, "role": row.role, "before_user_id": row.before_user_id,
            "after_user_id": row.after_user_id, "actor_id": row.actor_id, "at": iso(row.at)}


def service_record_view(row):
    return {"id": row.id, "client_id": row.client_id, "date": iso(row.date), "kind": row.kind,
            "description": row.description, "result": row.result, "staff_user_id": row.staff_user_id,
            "created_by": row.created_by, "created_at": iso(row.created_at)}


def feedback_view(row):
    return {"id": row.id, "client_id": row.client_id, "kind": row.kind, "content": row.content,
            "status": row.status, "created_by": row.created_by, "created_at": iso(row.created_at),
            "handled_by": row.handled_by, "handled_at": iso(row.handled_at), "handling_note": row.handling_note,
            "closed_by": row.closed_by, "closed_at": iso(row.closed_at), "closing_note": row.closing_note,
            "satisfaction": row.satisfaction}


def reveal_view(row):
    return {"id": row.id, "client_id": row.client_id, "field": row.field, "bank_account_id": row.bank_account_id,
            "actor_id": row.actor_id, "actor_roles": list(row.actor_roles), "reason": row.reason, "ip": row.ip,
            "at": iso(row.at)}
