"""The clients table: one client, the list and its filters, writes, the version."""
import re

from sqlalchemy import or_, select, update

from ..tables import clients
from .pages import count, escape_like
from .visibility import assigned_ids, one_of, visible_where

SORTS = {"name": clients.c.name, "created_at": clients.c.created_at, "credit_code": clients.c.credit_code}
_CODE_PREFIX = re.compile(r"^(?=.*\d)[0-9A-HJ-NP-RTUWXY]{4,18}$")
CREDIT_CODE_INDEX = "uq_clients_agency_credit_code"


def by_id(session, client_id):
    return session.execute(select(clients).where(clients.c.id == client_id)).first()


def credit_code_used(session, agency_id, code, exclude_id=None):
    query = select(clients.c.id).where(clients.c.agency_id == agency_id, clients.c.credit_code == code)
    if exclude_id:
        query = query.where(clients.c.id != exclude_id)
    return session.execute(query).first() is not None


def codes_used(session, agency_id, codes, chunk=1000):
    """The credit codes among `codes` that the agency's clients already have."""
    used = set()
    for start in range(0, len(codes), chunk):
        used.update(r.credit_code for r in session.execute(
            select(clients.c.credit_code).where(clients.c.agency_id == agency_id,
                                                clients.c.credit_code.in_(codes[start:start + chunk]))))
    return used


def is_credit_code_clash(error):
    """Whether an IntegrityError is the one-credit-code-per-agency index (a concurrent write)."""
    return CREDIT_CODE_INDEX in str(error.orig)


def insert(session, rows):
    """One multi-row INSERT."""
    session.execute(clients.insert(), rows)


def bump_version(session, client_id, now, **values):
    """Every change of a client (its fields, status, contacts, bank accounts) moves
    its version on by one; returns the new version."""
    return session.execute(
        update(clients).where(clients.c.id == client_id)
        .values(version=clients.c.version + 1, updated_at=now, **values)
        .returning(clients.c.version)).scalar_one()


# -- lists -----------------------------------------------------------------------------
def filters_where(session, scope, query):
    """The WHERE clauses of a list or export: what the scope may see, then the filters."""
    where = visible_where(session, scope)
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
            where.append(one_of(clients.c.id, assigned_ids(session, scope.agency_id, query[key], role)))
    return where


def ordering(query):
    column = SORTS[query.get("sort") or "name"]
    if query.get("order") == "desc":
        return [column.desc(), clients.c.id.desc()]
    return [column.asc(), clients.c.id.asc()]


def list_query(session, scope, query):
    """(rows query, count query): the exact statements the list runs (EXPLAINed in the tests)."""
    where = filters_where(session, scope, query)
    return select(clients).where(*where).order_by(*ordering(query)), count(clients, where)


def export_rows(session, scope, query, limit):
    """Up to `limit` + 1 rows of the filtered list (one more: the caller can tell it is too many)."""
    return session.execute(select(clients).where(*filters_where(session, scope, query))
                           .order_by(*ordering(query)).limit(limit + 1)).all()
