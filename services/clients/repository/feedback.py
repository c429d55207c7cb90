"""What a client said: feedback and complaints, open, handled, closed."""
from sqlalchemy import select, update

from ..tables import feedback
from .pages import page_of


def get(session, agency_id, feedback_id, *, for_update=False):
    query = select(feedback).where(feedback.c.id == feedback_id, feedback.c.agency_id == agency_id)
    return session.execute(query.with_for_update() if for_update else query).first()


def insert(session, **values):
    session.execute(feedback.insert().values(**values))


def change(session, feedback_id, **values):
    session.execute(update(feedback).where(feedback.c.id == feedback_id).values(**values))


def opened_between(session, client_id, start, end):
    """The client's feedback created in [start, end) (moments)."""
    return session.execute(select(feedback).where(feedback.c.client_id == client_id, feedback.c.created_at >= start,
                                                  feedback.c.created_at < end)).all()


def page_of_client(session, client_id, filters, number, size, view):
    """Newest first; `filters`: {"status": …, "kind": …} (None or missing: any)."""
    where = [feedback.c.client_id == client_id]
    where += [feedback.c[key] == value for key, value in filters.items() if value]
    return page_of(session, feedback, where, [feedback.c.created_at.desc(), feedback.c.id], number, size, view)
