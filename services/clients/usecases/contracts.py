"""Service contracts: drafted, activated, amended (the previous terms kept in
contract_history), terminated; and the contracts in force ending soon.

contract_changed events go on the client's stream (aggregate "client"), so a
subscriber sees a client's contracts in order with the rest of its history."""
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from servicekit.errors import Conflict, NotFound, ValidationFailed

from ..domain import contracts as rules
from ..tables import clients, contract_history, contracts
from .common import paged
from .context import new_id, valid_uuid
from .views import contract_history_view, contract_terms, contract_view, event_contract
from .visibility import load_client, scope_of, visible_where

_TERM_COLUMNS = ("start_date", "end_date", "services", "fee", "billing_cycle", "notes")


def number_taken():
    return ValidationFailed(code="CONTRACT_NUMBER_TAKEN", message="合同编号已被使用",
                            message_en="This contract number is already used in your agency",
                            fields={"number": ["合同编号已被使用 / this contract number is already used"]})


def load_contract(call, contract_id, *, for_update=False):
    """A contract of a client the caller may see, or 404 CONTRACT_NOT_FOUND."""
    contract_id = valid_uuid(contract_id)
    row = None
    if contract_id:
        query = select(contracts).where(contracts.c.id == contract_id, contracts.c.agency_id == call.auth.agency_id)
        row = call.session.execute(query.with_for_update() if for_update else query).first()
    if row is not None:
        try:
            load_client(call, row.client_id)
        except NotFound:
            row = None
    if row is None:
        raise NotFound(code="CONTRACT_NOT_FOUND", message="合同不存在", message_en="No such contract")
    return row


def _ensure_number_free(call, number, exclude_id=None):
    query = select(contracts.c.id).where(contracts.c.agency_id == call.auth.agency_id, contracts.c.number == number)
    if exclude_id:
        query = query.where(contracts.c.id != exclude_id)
    if call.session.execute(query).first() is not None:
        raise number_taken()


def _history(call, row, action, to_status, note=None, previous_terms=None):
    call.session.execute(contract_history.insert().values(
        agency_id=call.auth.agency_id, contract_id=row.id, action=action, from_status=row.status if action != "created"
        else None, to_status=to_status, revision=row.revision, previous_terms=previous_terms, note=note,
        actor_id=call.auth.user_id, at=call.now))


def _publish(call, contract_id, change):
    row = call.session.execute(select(contracts).where(contracts.c.id == contract_id)).one()
    call.publish("contract_changed", {"change": change, "contract": event_contract(row)}, client_id=row.client_id)
    return row


def _write(call, statement):
    try:
        call.session.execute(statement)
    except IntegrityError as exc:
        if "uq_contracts_agency_number" in str(exc.orig):
            raise number_taken() from exc
        raise


def create_contract(call, client_id, payload):
    client = load_client(call, client_id)
    if client.status == "terminated":
        raise Conflict(code="CLIENT_TERMINATED", message="客户已终止服务，不能新建合同",
                       message_en="The client is terminated; reactivate it first")
    terms = rules.check_terms({k: payload.get(k) for k in _TERM_COLUMNS})
    number = payload["number"].strip()
    _ensure_number_free(call, number)
    contract_id = new_id()
    _write(call, contracts.insert().values(
        id=contract_id, agency_id=call.auth.agency_id, client_id=client.id, number=number, status="draft",
        start_date=terms["start_date"], end_date=terms["end_date"], services=list(terms["services"]),
        fee=terms["fee"], billing_cycle=terms["billing_cycle"], notes=(terms.get("notes") or None),
        revision=1, created_by=call.auth.user_id, created_at=call.now, updated_at=call.now))
    row = call.session.execute(select(contracts).where(contracts.c.id == contract_id)).one()
    _history(call, row, "created", "draft")
    return contract_view(_publish(call, contract_id, "created"))


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
    _write(call, update(contracts).where(contracts.c.id == row.id).values(**changes, updated_at=call.now))
    return contract_view(_publish(call, row.id, "edited"))


def activate_contract(call, contract_id):
    row = load_contract(call, contract_id, for_update=True)
    status = rules.next_status(row.status, "activate")
    client = load_client(call, row.client_id)
    if client.status == "terminated":
        raise Conflict(code="CLIENT_TERMINATED", message="客户已终止服务，不能启用合同",
                       message_en="The client is terminated; reactivate it first")
    _history(call, row, "activated", status)
    call.session.execute(update(contracts).where(contracts.c.id == row.id).values(status=status, updated_at=call.now))
    return contract_view(_publish(call, row.id, "activated"))


def amend_contract(call, contract_id, payload):
    row = load_contract(call, contract_id, for_update=True)
    status = rules.next_status(row.status, "amend")
    changes = _new_terms(row, payload)
    if not changes:
        raise ValidationFailed(code="NOTHING_TO_AMEND", message="变更后的条款与现有条款相同",
                               message_en="The new terms are the same as the current ones")
    _history(call, row, "amended", status, note=payload.get("note"), previous_terms=contract_terms(row))
    call.session.execute(update(contracts).where(contracts.c.id == row.id).values(
        **changes, status=status, revision=row.revision + 1, updated_at=call.now))
    return contract_view(_publish(call, row.id, "amended"))


def terminate_contract(call, contract_id, payload):
    row = load_contract(call, contract_id, for_update=True)
    status = rules.next_status(row.status, "terminate")
    rules.check_termination(row.start_date, payload["terminated_on"], row.status)
    reason = payload["reason"].strip()
    _history(call, row, "terminated", status, note=reason)
    call.session.execute(update(contracts).where(contracts.c.id == row.id).values(
        status=status, terminated_on=payload["terminated_on"], termination_reason=reason, updated_at=call.now))
    return contract_view(_publish(call, row.id, "terminated"))


def get_contract(call, contract_id):
    return contract_view(load_contract(call, contract_id))


def contract_history_of(call, contract_id):
    row = load_contract(call, contract_id)
    rows = call.session.execute(select(contract_history).where(contract_history.c.contract_id == row.id)
                                .order_by(contract_history.c.id)).all()
    return {"contract": contract_view(row), "items": [contract_history_view(r) for r in rows]}


def list_contracts(call, client_id, query):
    client = load_client(call, client_id)
    where = [contracts.c.client_id == client.id]
    if query.get("status"):
        where.append(contracts.c.status == query["status"])
    rows = select(contracts).where(*where).order_by(contracts.c.start_date.desc(), contracts.c.id)
    return paged(call, rows, select(func.count()).select_from(contracts).where(*where), query["page"],
                 query["page_size"], contract_view)


def expiring_contracts(call, query):
    """Contracts in force (active or amended) of the clients the caller may see,
    ending between today and today + days, soonest first."""
    window = rules.Window.expiring(call.today, query["days"])
    scope = scope_of(call.auth)
    where = [contracts.c.agency_id == call.auth.agency_id, contracts.c.status.in_(sorted(rules.IN_FORCE)),
             contracts.c.end_date >= window.start, contracts.c.end_date <= window.end,
             *visible_where(call, scope, contracts, "client_id")]
    rows = (select(contracts, clients.c.name.label("client_name")).join(clients, clients.c.id == contracts.c.client_id)
            .where(*where).order_by(contracts.c.end_date, contracts.c.number))
    page = paged(call, rows, select(func.count()).select_from(contracts).where(*where), query["page"],
                 query["page_size"], lambda r: {**contract_view(r, r.client_name),
                                                "days_left": (r.end_date - window.start).days})
    return {**page, "days": query["days"], "today": window.start.isoformat()}
