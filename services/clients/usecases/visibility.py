"""Who may see which client: the one place this is decided.

    admin, supervisor        every client of their agency
    accountant, assistant    the clients they are assigned to (any role) in assignments
    client                   only their own company (auth.client_id)

Everything is also scoped to the caller's agency (from the verified token, never a
request body). A user with several roles gets the widest. A client the caller may
not see does not exist for them: 404 CLIENT_NOT_FOUND, the same answer as for an id
that exists nowhere, so nothing leaks. A client they may see, with an action their
role does not allow, is 403 FORBIDDEN (the permission check comes first).
"""
from dataclasses import dataclass

from sqlalchemy import Text, any_, bindparam, cast, exists, false, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from servicekit.errors import NotFound

from ..tables import assignments, clients
from .context import valid_uuid

SEE_ALL = frozenset({"admin", "supervisor"})
SEE_ASSIGNED = frozenset({"accountant", "assistant"})


@dataclass(frozen=True)
class Scope:
    agency_id: str
    all: bool = False
    user_id: str = None  # assigned-only: this user's assignments
    client_id: str = None  # a client user's company

    @property
    def nothing(self):
        return not self.all and not self.user_id and not self.client_id


def scope_of(auth):
    roles = set(auth.roles)
    if roles & SEE_ALL:
        return Scope(auth.agency_id, all=True)
    if roles & SEE_ASSIGNED:
        return Scope(auth.agency_id, user_id=auth.user_id)
    if "client" in roles and valid_uuid(auth.client_id):
        return Scope(auth.agency_id, client_id=valid_uuid(auth.client_id))
    return Scope(auth.agency_id)


def assigned_ids(call, user_id, role=None):
    """The ids of the clients `user_id` serves (in `role`, or any), read first and
    handed to the list query as a constant set (`one_of`), so its plan does not
    depend on statistics: as a sub-select, right after a large import, it was
    planned as a nested loop over clients × assignments (0.5 s a page).

    It also makes the rest of this transaction plan every statement with its
    actual parameters (`plan_cache_mode = force_custom_plan`): psycopg prepares a
    statement after its 5th run, and a generic plan cannot fold the id set into a
    constant; it re-evaluated it for every row (2 s a page, measured)."""
    call.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    query = select(assignments.c.client_id).where(assignments.c.agency_id == call.auth.agency_id,
                                                  assignments.c.user_id == str(user_id)).distinct()
    if role:
        query = query.where(assignments.c.role == role)
    return [row.client_id for row in call.session.execute(query)]


def one_of(column, ids):
    """`column = ANY(string_to_array(:ids, ',')::uuid[])`: the ids travel as one text
    parameter (binding hundreds of UUIDs one by one cost more than the query) and,
    planned with its value (see assigned_ids), become a constant array: an exact
    row estimate and a hashed lookup."""
    joined = bindparam(None, ",".join(str(i) for i in ids), type_=Text)
    return column == any_(cast(func.string_to_array(joined, ","), ARRAY(UUID(as_uuid=False))))


def visible_where(call, scope, table=clients, column="id"):
    """WHERE clauses limiting `table` (clients, or any table with agency_id and a
    client id column) to what the scope may see."""
    client_col = table.c[column]
    where = [table.c.agency_id == scope.agency_id]
    if scope.all:
        return where
    if scope.user_id:
        where.append(one_of(client_col, assigned_ids(call, scope.user_id)))
    elif scope.client_id:
        where.append(client_col == scope.client_id)
    else:
        where.append(false())
    return where


def client_not_found(client_id=None):
    return NotFound(code="CLIENT_NOT_FOUND", message="客户不存在", message_en="No such client",
                    details={"client_id": str(client_id)} if client_id else {})


def load_client(call, client_id, *, for_update=False):
    """A client the caller may see, or 404 CLIENT_NOT_FOUND."""
    client_id = valid_uuid(client_id)
    if client_id is None:
        raise client_not_found()
    scope = scope_of(call.auth)
    if scope.user_id:  # one client: is it among theirs? (a primary-key probe, not the whole list)
        where = [clients.c.agency_id == scope.agency_id,
                 exists().where(assignments.c.client_id == client_id, assignments.c.user_id == scope.user_id,
                                assignments.c.agency_id == scope.agency_id)]
    else:
        where = visible_where(call, scope)
    query = select(clients).where(clients.c.id == client_id, *where)
    if for_update:
        query = query.with_for_update()
    row = call.session.execute(query).first()
    if row is None:
        raise client_not_found(client_id)
    return row


def visible_client_ids(call):
    """For other services: {"all": true} (admin, supervisor: every client of the
    agency, now and later) or {"all": false, "client_ids": [...]}."""
    scope = scope_of(call.auth)
    if scope.all:
        return {"agency_id": scope.agency_id, "all": True, "client_ids": None}
    ids = [] if scope.nothing else [r.id for r in call.session.execute(
        select(clients.c.id).where(*visible_where(call, scope)).order_by(clients.c.id))]
    return {"agency_id": scope.agency_id, "all": False, "client_ids": ids}
