"""A client's contacts: several, exactly one primary while there are any."""
from sqlalchemy import func, select, update

from servicekit.errors import Conflict, NotFound

from ..domain.rules import FieldErrors, check_reachable, clean_contact
from ..tables import contacts
from .clients import client_changed, contact_row
from .context import valid_uuid
from .views import contact_view
from .visibility import load_client


def _load(call, client, contact_id):
    contact_id = valid_uuid(contact_id)
    row = None
    if contact_id:
        row = call.session.execute(select(contacts).where(contacts.c.id == contact_id,
                                                          contacts.c.client_id == client.id)).first()
    if row is None:
        raise NotFound(code="CONTACT_NOT_FOUND", message="联系人不存在", message_en="No such contact")
    return row


def list_contacts(call, client_id):
    client = load_client(call, client_id)
    rows = call.session.execute(select(contacts).where(contacts.c.client_id == client.id)
                                .order_by(contacts.c.is_primary.desc(), contacts.c.created_at, contacts.c.id)).all()
    return {"items": [contact_view(r) for r in rows]}


def add_contact(call, client_id, payload):
    client = load_client(call, client_id, for_update=True)  # the lock keeps one primary
    errors = FieldErrors()
    clean = clean_contact(payload, errors)
    check_reachable(payload, errors)
    errors.raise_if_any()
    existing = call.session.execute(select(func.count()).select_from(contacts)
                                    .where(contacts.c.client_id == client.id)).scalar()
    if not existing:
        clean["primary"] = True
    if clean.get("primary"):
        call.session.execute(update(contacts).where(contacts.c.client_id == client.id).values(is_primary=False))
    row = contact_row(call, client.id, clean)
    call.session.execute(contacts.insert().values(**row))
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
        call.session.execute(update(contacts).where(contacts.c.client_id == client.id).values(is_primary=False))
        changes["is_primary"] = True
    if changes:
        call.session.execute(update(contacts).where(contacts.c.id == row.id).values(**changes))
        client_changed(call, client, "contacts")
    return contact_view(_load(call, client, row.id))


def remove_contact(call, client_id, contact_id):
    client = load_client(call, client_id, for_update=True)
    row = _load(call, client, contact_id)
    call.session.execute(contacts.delete().where(contacts.c.id == row.id))
    if row.is_primary:  # the oldest remaining one takes over
        heir = call.session.execute(select(contacts.c.id).where(contacts.c.client_id == client.id)
                                    .order_by(contacts.c.created_at, contacts.c.id).limit(1)).scalar()
        if heir:
            call.session.execute(update(contacts).where(contacts.c.id == heir).values(is_primary=True))
    client_changed(call, client, "contacts")
    return {}
