"""Service contracts: drafted, activated, amended (the previous terms kept in
contract_history), terminated; and the contracts in force ending soon.

Each change is published as contract_changed on the client's stream (events.py)."""
from sqlalchemy.exc import IntegrityError

from servicekit.errors import Conflict, NotFound, ValidationFailed
from servicekit.ids import new_id, valid_uuid

from .. import events
from ..domain import contracts as rules
from ..repository import contracts as contracts_sql
from ..tables import contracts
from .views import contract_history_view, contract_terms, contract_view
from .visibility import load_client, may_see_client, visible_where

_TERM_COLUMNS = ("start_date", "end_date", "services", "fee", "billing_cycle", "notes")


def number_taken():
    return ValidationFailed(code="CONTRACT_NUMBER_TAKEN", message="合同编号已被使用",
                            message_en="This contract number is already used in your agency",
                            fields={"number": ["合同编号已被使用 / this contract number is already used"]})


def client_terminated(action_zh):
    return Conflict(code="CLIENT_TERMINATED", message=f"客户已终止服务，不能{action_zh}合同",
                    message_en="The client is terminated; reactivate it first")


def load_contract(call, contract_id, *, for_update=False):
    """A contract of a client the caller may see, or 404 CONTRACT_NOT_FOUND."""
    contract_id = valid_uuid(contract_id)
    row = contracts_sql.get(call.session, call.auth.agency_id, contract_id, for_update=for_update) \
        if contract_id else None
    if row is None or not may_see_client(call, row.client_id):
        raise NotFound(code="CONTRACT_NOT_FOUND", message="合同不存在", message_en="No such contract")
    return row


def _ensure_number_free(call, number, exclude_id=None):
    if contracts_sql.number_used(call.session, call.auth.agency_id, number, exclude_id):
        raise number_taken()


def _history(call, row, action, to_status, note=None, previous_terms=None):
    contracts_sql.record(call.session, agency_id=call.auth.agency_id, contract_id=row.id, action=action,
                         from_status=row.status if action != "created" else None, to_status=to_status,
                         revision=row.revision, previous_terms=previous_terms, note=note, actor_id=call.auth.user_id,
                         at=call.now)


def _published(call, contract_id, change):
    """The contract as it is now, published as contract_changed."""
    row = contracts_sql.by_id(call.session, contract_id)
    events.contract_changed(call, row, change)
    return contract_view(row)


def _write(write, *args, **values):
    try:
        write(*args, **values)
    except IntegrityError as exc:
        if contracts_sql.is_number_clash(exc):
            raise number_taken() from exc
        raise


def create_contract(call, client_id, payload):
    client = load_client(call, client_id)
    if client.status == "terminated":
        raise client_terminated("新建")
    terms = rules.check_terms({k: payload.get(k) for k in _TERM_COLUMNS})
    number = payload["number"].strip()
    _ensure_number_free(call, number)
    contract_id = new_id()
    _write(contracts_sql.insert, call.session,
           id=contract_id, agency_id=call.auth.agency_id, client_id=client.id, number=number, status="draft",
           start_date=terms["start_date"], end_date=terms["end_date"], services=list(terms["services"]),
           fee=terms["fee"], billing_cycle=terms["billing_cycle"], notes=(terms.get("notes") or None),
           revision=1, created_by=call.auth.user_id, created_at=call.now, updated_at=call.now)
    _history(call, contracts_sql.by_id(call.session, contract_id), "created", "draft")
    return _published(call, contract_id, "created")


def _new_terms(row, payload):
    merged = {key: payload[key] if key in payload else getattr(row, key) for key in _TERM_COLUMNS}
    rules.check_terms(merged)
    return {key: value for key, value in merged.items() if key in payload and value != getattr(row, key)}


def update_contract(call, contract_id, payload):
    """A draft's terms (and number) change freely; a signed contract is amended instead."""
    row = load_contract(call, contract_id, for_update=True)
    rules.next_status(row.status, "edit")
    changes = _new_terms(row, payload)
    if "number" in payload and payload["number"].strip() != row.number:
        changes["number"] = payload["number"].strip()
        _ensure_number_free(call, changes["number"], exclude_id=row.id)
    if not changes:
        return contract_view(row)
    _history(call, row, "edited", "draft", previous_terms=contract_terms(row))
    _write(contracts_sql.change, call.session, row.id, **changes, updated_at=call.now)
    return _published(call, row.id, "edited")


def activate_contract(call, contract_id):
    row = load_contract(call, contract_id, for_update=True)
    status = rules.next_status(row.status, "activate")
    if load_client(call, row.client_id).status == "terminated":
        raise client_terminated("启用")
    _history(call, row, "activated", status)
    contracts_sql.change(call.session, row.id, status=status, updated_at=call.now)
    return _published(call, row.id, "activated")


def amend_contract(call, contract_id, payload):
    row = load_contract(call, contract_id, for_update=True)
    status = rules.next_status(row.status, "amend")
    changes = _new_terms(row, payload)
    if not changes:
        raise ValidationFailed(code="NOTHING_TO_AMEND", message="变更后的条款与现有条款相同",
                               message_en="The new terms are the same as the current ones")
    _history(call, row, "amended", status, note=payload.get("note"), previous_terms=contract_terms(row))
    contracts_sql.change(call.session, row.id, **changes, status=status, revision=row.revision + 1,
                         updated_at=call.now)
    return _published(call, row.id, "amended")


def terminate_contract(call, contract_id, payload):
    row = load_contract(call, contract_id, for_update=True)
    status = rules.next_status(row.status, "terminate")
    rules.check_termination(row.start_date, payload["terminated_on"], row.status)
    reason = payload["reason"].strip()
    _history(call, row, "terminated", status, note=reason)
    contracts_sql.change(call.session, row.id, status=status, terminated_on=payload["terminated_on"],
                         termination_reason=reason, updated_at=call.now)
    return _published(call, row.id, "terminated")


def get_contract(call, contract_id):
    return contract_view(load_contract(call, contract_id))


def contract_history_of(call, contract_id):
    row = load_contract(call, contract_id)
    return {"contract": contract_view(row),
            "items": [contract_history_view(r) for r in contracts_sql.history_of(call.session, row.id)]}


def list_contracts(call, client_id, query):
    client = load_client(call, client_id)
    return contracts_sql.page_of_client(call.session, client.id, query.get("status"), query["page"],
                                        query["page_size"], contract_view)


def expiring_contracts(call, query):
    """Contracts in force (active or amended) of the clients the caller may see,
    ending between today and today + days, soonest first."""
    window = rules.Window.expiring(call.today, query["days"])
    found = contracts_sql.expiring_page(
        call.session, call.auth.agency_id, rules.IN_FORCE, window.start, window.end,
        visible_where(call, contracts, "client_id"), query["page"], query["page_size"],
        lambda r: {**contract_view(r, r.client_name), "days_left": (r.end_date - window.start).days})
    return {**found, "days": query["days"], "today": window.start.isoformat()}
