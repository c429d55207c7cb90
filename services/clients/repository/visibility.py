"""A servicekit.visibility.Scope (who may see which client: the rule) as SQL."""
from sqlalchemy import Text, any_, bindparam, cast, exists, false, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from ..tables import assignments, clients


def assigned_ids(session, agency_id, user_id, role=None):
    """The ids of the clients `user_id` serves (in `role`, or any), read first and
    handed to the list query as a constant set (`one_of`), so its plan does not
    depend on statistics: as a sub-select, right after a large import, it was
    planned as a nested loop over clients × assignments (0.5 s a page).

    It also makes the rest of this transaction plan every statement with its
    actual parameters (`plan_cache_mode = force_custom_plan`): psycopg prepares a
    statement after its 5th run, and a generic plan cannot fold the id set into a
    constant; it re-evaluated it for every row (2 s a page, measured)."""
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    query = select(assignments.c.client_id).where(assignments.c.agency_id == agency_id,
                                                  assignments.c.user_id == str(user_id)).distinct()
    if role:
        query = query.where(assignments.c.role == role)
    return [row.client_id for row in session.execute(query)]


def one_of(column, ids):
    """`column = ANY(string_to_array(:ids, ',')::uuid[])`: the ids travel as one text
    parameter (binding hundreds of UUIDs one by one cost more than the query) and,
    planned with its value (see assigned_ids), become a constant array: an exact
    row estimate and a hashed lookup."""
    joined = bindparam(None, ",".join(str(i) for i in ids), type_=Text)
    return column == any_(cast(func.string_to_array(joined, ","), ARRAY(UUID(as_uuid=False))))


def visible_where(session, scope, table=clients, column="id"):
    """WHERE clauses limiting `table` (clients, or any table with agency_id and a
    client id column) to what the scope may see."""
    client_col = table.c[column]
    where = [table.c.agency_id == scope.agency_id]
    if scope.all:
        return where
    if scope.needs_assignments:
        where.append(one_of(client_col, assigned_ids(session, scope.agency_id, scope.user_id)))
    elif scope.client_id:
        where.append(client_col == scope.client_id)
    else:
        where.append(false())
    return where


def visible_client(session, scope, client_id, *, for_update=False):
    """The clients row `client_id` (a valid UUID) if the scope may see it, else None."""
    if scope.needs_assignments:  # one client: is it among theirs? (a primary-key probe, not the whole list)
        where = [clients.c.agency_id == scope.agency_id,
                 exists().where(assignments.c.client_id == client_id, assignments.c.user_id == scope.user_id,
                                assignments.c.agency_id == scope.agency_id)]
    else:
        where = visible_where(session, scope)
    query = select(clients).where(clients.c.id == client_id, *where)
    return session.execute(query.with_for_update() if for_update else query).first()


def visible_ids(session, scope):
    """The ids of every client the scope may see, in id order (not for scope.all)."""
    if scope.nothing:
        return []
    return [row.id for row in session.execute(select(clients.c.id).where(*visible_where(session, scope))
                                              .order_by(clients.c.id))]
