"""Client companies: create, list and search, read, change (optimistic version),
change status; the taxpayer profile other services ask for."""
import re

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from servicekit.errors import ValidationFailed

from contracts.clients.labels import COMPANY_FIELDS
from ..metrics import CLIENTS_CREATED
from ..domain.masking import mask_account_number, mask_id_number
from ..domain.rules import MESSAGES, clean_client
from ..domain.status import check_status_change
from ..tables import bank_accounts, clients, contacts
from .common import (
    account_number_context, assignments_of, bump_version, check_version, count_of, escape_like, id_number_context,
    paged,
)
from .context import new_id
from .views import client_view, company_fields, event_client, list_item_view
from .visibility import assigned_ids, load_client, one_of, scope_of, visible_where

SORTS = {"name": clients.c.name, "created_at": clients.c.created_at, "credit_code": clients.c.credit_code}
_CODE_PREFIX = re.compile(r"^(?=.*\d)[0-9A-HJ-NP-RTUWXY]{4,18}$")


def credit_code_taken(code, row_label=None):
    zh, en = MESSAGES["CREDIT_CODE_TAKEN"]
    return ValidationFailed(code="CREDIT_CODE_TAKEN", message=zh, message_en=en,
                            fields={"credit_code": [f"{zh} / {en}"]},
                            details={"codes": {"credit_code": "CREDIT_CODE_TAKEN"}})


def ensure_credit_code_free(call, code, exclude_id=None):
    query = select(clients.c.id).where(clients.c.agency_id == call.auth.agency_id, clients.c.credit_code == code)
    if exclude_id:
        query = query.where(clients.c.id != exclude_id)
    if call.session.execute(query).first() is not None:
        raise credit_code_taken(code)


# -- writing new clients (one, or a whole import) ---------------------------------------
def client_rows(call, clean, client_id):
    """The rows for one cleaned create payload: (client, [contacts], [bank accounts])."""
    legal = clean.get("legal_representative") or {}
    number = legal.get("id_number")
    client = {
        "id": client_id, "agency_id": call.auth.agency_id, "name": clean["name"],
        "short_name": clean.get("short_name"), "credit_code": clean["credit_code"],
        "taxpayer_type": clean["taxpayer_type"], "small_low_profit": bool(clean.get("small_low_profit") or False),
        "industry": clean.get("industry"),
        "accounting_standard": clean.get("accounting_standard") or "small_business_2013",
        "registered_address": clean.get("registered_address"), "office_address": clean.get("office_address"),
        "location_class": clean.get("location_class"), "tax_authority": clean.get("tax_authority"),
        "establishment_date": clean.get("establishment_date"), "registered_capital": clean.get("registered_capital"),
        "business_scope": clean.get("business_scope"), "status": "active",
        "legal_rep_name": legal.get("name"),
        "legal_rep_id_number": call.cipher.encrypt(number, id_number_context(client_id)) if number else None,
        "legal_rep_id_number_masked": mask_id_number(number) if number else None,
        "version": 1, "created_by": call.auth.user_id, "created_at": call.now, "updated_at": call.now,
    }
    contact_rows = [contact_row(call, client_id, c) for c in clean.get("contacts") or []]
    account_rows = [bank_account_row(call, client_id, b) for b in clean.get("bank_accounts") or []]
    return client, contact_rows, account_rows


def contact_row(call, client_id, contact):
    return {"id": new_id(), "agency_id": call.auth.agency_id, "client_id": client_id, "name": contact["name"],
            "role": contact.get("role"), "mobile": contact.get("mobile"), "email": contact.get("email"),
            "wechat": contact.get("wechat"), "is_primary": bool(contact.get("primary")), "created_at": call.now}


def bank_account_row(call, client_id, account):
    account_id = new_id()
    number = account["account_number"]
    return {"id": account_id, "agency_id": call.auth.agency_id, "client_id": client_id, "bank": account["bank"],
            "branch": account.get("branch"), "purpose": account.get("purpose"),
            "currency": account.get("currency") or "CNY",
            "account_number": call.cipher.encrypt(number, account_number_context(account_id)),
            "account_number_masked": mask_account_number(number), "created_at": call.now}


def insert_clients(call, prepared):
    """prepared: [(client, contacts, accounts)]; one multi-row INSERT per table,
    then a client_created event per client. A credit code taken meanwhile (a
    concurrent create) is the same 400 as one found before."""
    if not prepared:
        return
    try:
        call.session.execute(clients.insert(), [client for client, _, _ in prepared])
    except IntegrityError as exc:
        if "uq_clients_agency_credit_code" in str(exc.orig):
            raise credit_code_taken(None) from exc
        raise
    contact_rows = [row for _, rows, _ in prepared for row in rows]
    account_rows = [row for _, _, rows in prepared for row in rows]
    if contact_rows:
        call.session.execute(contacts.insert(), contact_rows)
    if account_rows:
        call.session.execute(bank_accounts.insert(), account_rows)
    call.publish_many([("client_created", {"client": event_client(_Row(client))}, client["id"])
                       for client, _, _ in prepared])


class _Row:
    """A dict seen as a row (for the views)."""

    def __init__(self, values):
        self.__dict__.update(values)


def create_client(call, payload):
    clean = clean_client(payload, call.today)
    ensure_credit_code_free(call, clean["credit_code"])
    client_id = new_id()
    insert_clients(call, [client_rows(call, clean, client_id)])
    CLIENTS_CREATED.labels("api").inc()
    return get_client(call, client_id)


# -- reading -------------------------------------------------------------------------
def filters_where(call, query):
    """The WHERE clauses of a list or export: what the caller may see, then the filters."""
    where = visible_where(call, scope_of(call.auth))
    if query.get("q"):
        term = query["q"].strip()
        code = re.sub(r"\s", "", term).upper()
        if _CODE_PREFIX.match(code):  # looks like (the start of) a credit code
            where.append(clients.c.credit_code.like(escape_like(code) + "%"))
        elif term:
            like = "%" + escape_like(term) + "%"
            where.append(or_(clients.c.name.ilike(like), clients.c.short_name.ilike(like),
                             clients.c.credit_code.like(escape_like(code) + "%")))
    if query.get("taxpayer_type"):
        where.append(clients.c.taxpayer_type == query["taxpayer_type"])
    if query.get("status"):
        where.append(clients.c.status == query["status"])
    for key, role in (("accountant_id", "accountant"), ("assignee_id", None)):
        if query.get(key):
            where.append(one_of(clients.c.id, assigned_ids(call, query[key], role)))
    return where


def ordering(query):
    column = SORTS[query.get("sort") or "name"]
    if query.get("order") == "desc":
        return [column.desc(), clients.c.id.desc()]
    return [column.asc(), clients.c.id.asc()]


def list_query(call, query):
    """(rows query, count query): the exact statements the list runs (EXPLAINed in the tests)."""
    where = filters_where(call, query)
    return select(clients).where(*where).order_by(*ordering(query)), count_of(where, clients)


def list_clients(call, query):
    rows_query, count_query = list_query(call, query)
    page = paged(call, rows_query, count_query, query["page"], query["page_size"], lambda r: r)
    staff = assignments_of(call, [r.id for r in page["items"]])
    page["items"] = [list_item_view(r, assignments=staff[r.id]) for r in page["items"]]
    return page


def get_client(call, client_id):
    row = load_client(call, client_id)
    contact_rows = call.session.execute(select(contacts).where(contacts.c.client_id == row.id)
                                        .order_by(contacts.c.is_primary.desc(), contacts.c.created_at,
                                                  contacts.c.id)).all()
    account_rows = call.session.execute(select(bank_accounts).where(bank_accounts.c.client_id == row.id)
                                        .order_by(bank_accounts.c.created_at, bank_accounts.c.id)).all()
    return client_view(row, assignments=assignments_of(call, [row.id])[row.id], contacts=contact_rows,
                       bank_accounts=account_rows)


def taxpayer_profile(call, client_id):
    row = load_client(call, client_id)
    return {"client_id": row.id, "taxpayer_type": row.taxpayer_type, "small_low_profit": row.small_low_profit,
            "location_class": row.location_class, "accounting_standard": row.accounting_standard,
            "tax_authority": row.tax_authority}


# -- changing -----------------------------------------------------------------------
def update_client(call, client_id, payload):
    row = load_client(call, client_id, for_update=True)
    check_version(row, payload["version"])
    clean = clean_client({k: v for k, v in payload.items() if k != "version"}, call.today, partial=True)
    changes = {key: clean[key] for key in COMPANY_FIELDS if key in clean and clean[key] != getattr(row, key)}
    if "credit_code" in changes:
        ensure_credit_code_free(call, changes["credit_code"], exclude_id=row.id)
    changed = set(changes)
    if "legal_representative" in clean:
        legal = _legal_rep_changes(call, row, clean["legal_representative"])
        if legal:
            changes.update(legal)
            changed.add("legal_representative")
    if not changes:
        return get_client(call, row.id)
    try:
        version = bump_version(call, row.id, **changes)
    except IntegrityError as exc:
        if "uq_clients_agency_credit_code" in str(exc.orig):
            raise credit_code_taken(changes.get("credit_code")) from exc
        raise
    updated = load_client(call, row.id)
    values = {key: value for key, value in company_fields(updated).items() if key in changed}
    call.publish("client_updated", {"client_id": row.id, "version": version, "changed": sorted(changed),
                                    "values": values}, client_id=row.id)
    return get_client(call, row.id)


def _legal_rep_changes(call, row, legal):
    """Column changes for a new legal representative (None clears it)."""
    if legal is None:
        if row.legal_rep_name is None and row.legal_rep_id_number is None:
            return {}
        return {"legal_rep_name": None, "legal_rep_id_number": None, "legal_rep_id_number_masked": None}
    changes = {}
    if "name" in legal and legal["name"] != row.legal_rep_name:
        changes["legal_rep_name"] = legal["name"]
    number = legal.get("id_number")
    if number:
        current = call.cipher.decrypt(row.legal_rep_id_number, id_number_context(row.id)) \
            if row.legal_rep_id_number else None
        if number != current:
            changes["legal_rep_id_number"] = call.cipher.encrypt(number, id_number_context(row.id))
            changes["legal_rep_id_number_masked"] = mask_id_number(number)
    return changes


def change_status(call, client_id, payload):
    row = load_client(call, client_id, for_update=True)
    check_version(row, payload.get("version"))
    reason = (payload.get("reason") or "").strip() or None
    target = check_status_change(row.status, payload["status"], reason)
    version = bump_version(call, row.id, status=target, status_reason=reason, status_changed_at=call.now)
    call.publish("client_status_changed", {"client_id": row.id, "from": row.status, "to": target,
                                           "reason": reason, "version": version, "actor_id": call.auth.user_id},
                 client_id=row.id)
    return get_client(call, row.id)


def client_changed(call, row, what):
    """A sub-resource (contacts, bank accounts) changed: new version, client_updated
    naming it, without values (they are personal)."""
    version = bump_version(call, row.id)
    call.publish("client_updated", {"client_id": row.id, "version": version, "changed": [what], "values": {}},
                 client_id=row.id)
    return version

