"""A client's contacts."""
from sqlalchemy import func, select, update

from ..tables import contacts

_ORDER = (contacts.c.is_primary.desc(), contacts.c.created_at, contacts.c.id)


def of_client(session, client_id):
    """The primary contact first, then the oldest."""
    return session.execute(select(contacts).where(contacts.c.client_id == client_id).order_by(*_ORDER)).all()


def get(session, client_id, contact_id):
    return session.execute(select(contacts).where(contacts.c.id == contact_id,
                                                  contacts.c.client_id == client_id)).first()


def count_of(session, client_id):
    return session.execute(select(func.count()).select_from(contacts).where(contacts.c.client_id == client_id)).scalar()


def primary_of(session, client_ids, chunk=1000):
    """{client_id: primary contact row} for the given clients."""
    found = {}
    for start in range(0, len(client_ids), chunk):
        for row in session.execute(select(contacts).where(contacts.c.client_id.in_(client_ids[start:start + chunk]),
                                                          contacts.c.is_primary)):
            found[row.client_id] = row
    return found


def insert(session, rows):
    if rows:
        session.execute(contacts.insert(), rows)


def change(session, contact_id, **values):
    session.execute(update(contacts).where(contacts.c.id == contact_id).values(**values))


def clear_primary(session, client_id):
    session.execute(update(contacts).where(contacts.c.client_id == client_id).values(is_primary=False))


def delete(session, contact_id):
    session.execute(contacts.delete().where(contacts.c.id == contact_id))


def oldest_id(session, client_id):
    return session.execute(select(contacts.c.id).where(contacts.c.client_id == client_id)
                           .order_by(contacts.c.created_at, contacts.c.id).limit(1)).scalar()
