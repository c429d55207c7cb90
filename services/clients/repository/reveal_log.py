"""Every reveal of a sensitive value (append-only): who, what, when, from where."""
from ..tables import reveal_log
from .pages import page_of


def record(session, **values):
    session.execute(reveal_log.insert().values(**values))


def page_of_agency(session, agency_id, client_id, number, size, view):
    """Newest first; `client_id`: only that client's (None: all)."""
    where = [reveal_log.c.agency_id == agency_id]
    if client_id:
        where.append(reveal_log.c.client_id == str(client_id))
    return page_of(session, reveal_log, where, [reveal_log.c.at.desc(), reveal_log.c.id.desc()], number, size, view)
