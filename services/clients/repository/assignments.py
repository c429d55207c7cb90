"""Who serves which client (one user per role), and the history of every change."""
from sqlalchemy import select

from ..tables import assignment_history, assignments
from .pages import page_of


def of_client(session, client_id):
    return session.execute(select(assignments).where(assignments.c.client_id == client_id)).all()


def of_clients(session, client_ids):
    """{client_id: [assignment rows]} for the given clients."""
    found = {client_id: [] for client_id in client_ids}
    if client_ids:
        for row in session.execute(select(assignments).where(assignments.c.client_id.in_(list(client_ids)))):
            found[row.client_id].append(row)
    return found


def holder(session, client_id, role):
    return session.execute(select(assignments).where(assignments.c.client_id == client_id,
                                                     assignments.c.role == role)).first()


def serves(session, client_id, user_id):
    """Whether `user_id` holds any role for the client."""
    return session.execute(select(assignments.c.user_id).where(
        assignments.c.client_id == client_id, assignments.c.user_id == user_id)).first() is not None


def held_by(session, agency_id, user_id):
    """Every assignment the user holds in the agency, locked, in a fixed order."""
    return session.execute(select(assignments).where(assignments.c.agency_id == agency_id,
                                                     assignments.c.user_id == user_id)
                           .order_by(assignments.c.client_id, assignments.c.role).with_for_update()).all()


def put(session, client_id, role, replacing, **values):
    """Give the role to values["user_id"] (`replacing`: someone holds it now)."""
    if replacing:
        session.execute(assignments.update().where(assignments.c.client_id == client_id,
                                                   assignments.c.role == role).values(**values))
    else:
        session.execute(assignments.insert().values(client_id=client_id, role=role, **values))


def remove(session, client_id, role):
    session.execute(assignments.delete().where(assignments.c.client_id == client_id, assignments.c.role == role))


def record(session, **values):
    """One row of assignment_history (append-only)."""
    session.execute(assignment_history.insert().values(**values))


def history_page(session, client_id, number, size, view):
    return page_of(session, assignment_history, [assignment_history.c.client_id == client_id],
                   [assignment_history.c.id.desc()], number, size, view)
