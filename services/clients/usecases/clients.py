"""Client companies: create, list and search, read, change (optimistic version),
change status; the taxpayer profile other services ask for."""
from sqlalchemy.exc import IntegrityError

from servicekit.errors import Conflict, ValidationFailed
from servicekit.ids import new_id
from servicekit.visibility import scope_of

from contracts.clients.labels import COMPANY_FIELDS
from .. import events
from ..domain.encryption import account_number_context, id_number_context
from ..domain.masking import mask_account_number, mask_id_number
from ..domain.rules import MESSAGES, clean_client
from ..domain.status import check_status_change
from ..metrics import CLIENTS_CREATED
from ..repository import assignments as assignments_sql
from ..repository import bank_accounts as bank_accounts_sql
from ..repository import clients as clients_sql
from ..repository import contacts as contacts_sql
from ..repository.pages import page
from .views import client_view, company_fields, list_item_view
from .visibility import load_client


def credit_code_taken():
    zh, en = MESSAGES["CREDIT_CODE_TAKEN"]
    return ValidationFailed(code="CREDIT_CODE_TAKEN", message=zh, message_en=en,
                            fields={"credit_code": [f"{zh} / {en}"]},
                            details={"codes": {"credit_code": "CREDIT_CODE_TAKEN"}})


def ensure_credit_code_free(call, code, exclude_id=None):
    if clients_sql.credit_code_used(call.session, call.auth.agency_id, code, exclude_id):
        raise credit_code_taken()


def check_version(row, expected):
    if expected is not None and expected != row.version:
        raise Conflict(code="VERSION_CONFLICT", message="客户资料已被他人修改，请刷新后重试",
                       message_en="The client was changed by someone else; reload and try again",
                       details={"current_version": row.version, "your_version": expected})


# -- writing new clients (one, or a whole import) ---------------------------------------
class NewClient:
    """The rows of one new client: `client` (a dict, also seen as a row by the
    views and events: `.id`, `.name`…), its contacts and its bank accounts."""

    def __init__(self, client, contacts, bank_accounts):
        self.client, self.contacts, self.bank_accounts = client, contacts, bank_accounts

    def __getattr__(self, name):
        try:
            return self.client[name]
        except KeyError:
            raise AttributeError(name) from None


def new_client(call, clean):
    """The rows for one cleaned create payload."""
    client_id = new_id()
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
    return NewClient(client, [contact_row(call, client_id, c) for c in clean.get("contacts") or []],
                     [bank_account_row(call, client_id, b) for b in clean.get("bank_accounts") or []])


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


def insert_clients(call, new):
    """[NewClient]: one multi-row INSERT per table. A credit code taken meanwhile
    (a concurrent create) is the same 400 as one found before."""
    try:
        clients_sql.insert(call.session, [n.client for n in new])
    except IntegrityError as exc:
        if clients_sql.is_credit_code_clash(exc):
            raise credit_code_taken() from exc
        raise
    contacts_sql.insert(call.session, [row for n in new for row in n.contacts])
    bank_accounts_sql.insert(call.session, [row for n in new for row in n.bank_accounts])


def create_client(call, payload):
    clean = clean_client(payload, call.today)
    ensure_credit_code_free(call, clean["credit_code"])
    new = new_client(call, clean)
    insert_clients(call, [new])
    events.client_created(call, new)
    CLIENTS_CREATED.labels("api").inc()
    return get_client(call, new.id)


# -- reading -------------------------------------------------------------------------
def list_query(call, query):
    """(rows query, count query): the exact statements the list runs (EXPLAINed in the tests)."""
    return clients_sql.list_query(call.session, scope_of(call.auth), query)


def list_clients(call, query):
    rows_query, count_query = list_query(call, query)
    found = page(call.session, rows_query, count_query, query["page"], query["page_size"], lambda r: r)
    staff = assignments_sql.of_clients(call.session, [r.id for r in found["items"]])
    found["items"] = [list_item_view(r, assignments=staff[r.id]) for r in found["items"]]
    return found


def get_client(call, client_id):
    row = load_client(call, client_id)
    return client_view(row, assignments=assignments_sql.of_client(call.session, row.id),
                       contacts=contacts_sql.of_client(call.session, row.id),
                       bank_accounts=bank_accounts_sql.of_client(call.session, row.id))


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
        version = clients_sql.bump_version(call.session, row.id, call.now, **changes)
    except IntegrityError as exc:
        if clients_sql.is_credit_code_clash(exc):
            raise credit_code_taken() from exc
        raise
    updated = clients_sql.by_id(call.session, row.id)
    values = {key: value for key, value in company_fields(updated).items() if key in changed}
    events.client_updated(call, row.id, version, changed, values)
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
    version = clients_sql.bump_version(call.session, row.id, call.now, status=target, status_reason=reason,
                                        status_changed_at=call.now)
    events.client_status_changed(call, row.id, row.status, target, reason, version)
    return get_client(call, row.id)


def client_changed(call, row, what):
    """A sub-resource (contacts, bank accounts) changed: new version, client_updated
    naming it, without values (they are personal)."""
    version = clients_sql.bump_version(call.session, row.id, call.now)
    events.client_updated(call, row.id, version, [what])
    return version
