"""What the agency did for a client."""
from sqlalchemy import select

from ..tables import service_records
from .pages import page_of


def get(session, record_id):
    return session.execute(select(service_records).where(service_records.c.id == record_id)).one()


def insert(session, **values):
    session.execute(service_records.insert().values(**values))


def between(session, client_id, start, end):
    """The client's records dated in [start, end)."""
    return session.execute(select(service_records).where(service_records.c.client_id == client_id,
                                                         service_records.c.date >= start,
                                                         service_records.c.date < end)).all()


def page_of_client(session, client_id, start, end, kind, number, size, view):
    """Newest first; `start`/`end`: a month [start, end), or None for all."""
    where = [service_records.c.client_id == client_id]
    if start:
        where += [service_records.c.date >= start, service_records.c.date < end]
    if kind:
        where.append(service_records.c.kind == kind)
    return page_of(session, service_records, where, [service_records.c.date.desc(),
                                                     service_records.c.created_at.desc()], number, size, view)
