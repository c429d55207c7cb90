"""Service contracts and their history (the terms before each change)."""
from sqlalchemy import select, update

from ..tables import clients, contract_history, contracts
from .pages import count, page, page_of

NUMBER_INDEX = "uq_contracts_agency_number"


def get(session, agency_id, contract_id, *, for_update=False):
    query = select(contracts).where(contracts.c.id == contract_id, contracts.c.agency_id == agency_id)
    return session.execute(query.with_for_update() if for_update else query).first()


def by_id(session, contract_id):
    return session.execute(select(contracts).where(contracts.c.id == contract_id)).one()


def number_used(session, agency_id, number, exclude_id=None):
    query = select(contracts.c.id).where(contracts.c.agency_id == agency_id, contracts.c.number == number)
    if exclude_id:
        query = query.where(contracts.c.id != exclude_id)
    return session.execute(query).first() is not None


def is_number_clash(error):
    """Whether an IntegrityError is the one-number-per-agency index (a concurrent write)."""
    return NUMBER_INDEX in str(error.orig)


def insert(session, **values):
    session.execute(contracts.insert().values(**values))


def change(session, contract_id, **values):
    session.execute(update(contracts).where(contracts.c.id == contract_id).values(**values))


def record(session, **values):
    """One row of contract_history."""
    session.execute(contract_history.insert().values(**values))


def history_of(session, contract_id):
    return session.execute(select(contract_history).where(contract_history.c.contract_id == contract_id)
                           .order_by(contract_history.c.id)).all()


def page_of_client(session, client_id, status, number, size, view):
    where = [contracts.c.client_id == client_id]
    if status:
        where.append(contracts.c.status == status)
    return page_of(session, contracts, where, [contracts.c.start_date.desc(), contracts.c.id], number, size, view)


def expiring_page(session, agency_id, statuses, start, end, visible, number, size, view):
    """Contracts in `statuses` ending in [start, end], soonest first, with their
    client's name; `visible`: the WHERE clauses of the clients the caller may see."""
    where = [contracts.c.agency_id == agency_id, contracts.c.status.in_(sorted(statuses)),
             contracts.c.end_date >= start, contracts.c.end_date <= end, *visible]
    rows = (select(contracts, clients.c.name.label("client_name")).join(clients, clients.c.id == contracts.c.client_id)
            .where(*where).order_by(contracts.c.end_date, contracts.c.number))
    return page(session, rows, count(contracts, where), number, size, view)
