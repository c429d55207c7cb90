"""A client's contacts: several, exactly one primary while there are any."""
from servicekit.errors import Conflict, NotFound
from servicekit.ids import valid_uuid

from ..domain.rules import FieldErrors, check_reachable, clean_contact
from ..repository import contacts as contacts_sql
from .clients import client_changed, contact_row
from .views import contact_view
from .visibility import load_client


def _load(call, client, contact_id):
    contact_id = valid_uuid(contact_id)
    row = contacts_sql.get(call.session, client.id, contact_id) if contact_id else None
    if row is None:
        raise NotFound(code="CONTACT_NOT_FOUND", message="联系人不存在", message_en="No such contact")
    return row


def list_contacts(call, client_id):
    client = load_client(call, client_id)
    return {"items": [contact_view(r) for r in contacts_sql.of_client(call.session, client.id)]}


def add_contact(call, client_id, payload):
    client = load_client(call, client_id, for_update=True)  # the lock keeps one primary
    errors = FieldErrors()
    clean = clean_contact(payload, errors)
    check_reachable(payload, errors)
    errors.raise_if_any()
    if not contacts_sql.count_of(call.session, client.id):
        clean["primary"] = True
    if clean.get("primary"):
        contacts_sql.clear_primary(call.session, client.id)
    row = contact_row(call, client.id, clean)
    contacts_sql.insert(call.session, [row])
    client_changed(call, client, "contacts")
    return contact_view(_load(call, client, row["id"]))


def update_contact(call, client_id, contact_id, payload):
    client = load_client(call, client_id, for_update=True)
    row = _load(call, client, contact_id)
    errors = FieldErrors()
    clean = clean_contact(payload, errors, partial=True)
    merged = {key: payload[key] if key in payload else getattr(row, key) for key in ("mobile", "email", "wechat")}
    check_reachable(merged, errors)
    errors.raise_if_any()
    primary = clean.pop("primary", None)
    changes = {key: value for key, value in clean.items() if value != getattr(row, key)}
    if primary is False and row.is_primary:
        raise Conflict(code="PRIMARY_CONTACT_REQUIRED", message="请先将另一位联系人设为主要联系人",
                       message_en="Make another contact primary instead")
    if primary and not row.is_primary:
        contacts_sql.clear_primary(call.session, client.id)
        changes["is_primary"] = True
    if changes:
        contacts_sql.change(call.session, row.id, **changes)
        client_changed(call, client, "contacts")
    return contact_view(_load(call, client, row.id))


def remove_contact(call, client_id, contact_id):
    client = load_client(call, client_id, for_update=True)
    row = _load(call, client, contact_id)
    contacts_sql.delete(call.session, row.id)
    if row.is_primary:  # the oldest remaining one takes over
        heir = contacts_sql.oldest_id(call.session, client.id)
        if heir:
            contacts_sql.change(call.session, heir, is_primary=True)
    client_changed(call, client, "contacts")
    return {}
