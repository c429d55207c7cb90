"""Which clients a caller may see, in this service. The rule is servicekit's
(servicekit/visibility.py: admin and supervisor see every client of their agency,
accountant and assistant the clients they are assigned to, a client user their own
company); repository/visibility.py turns it into SQL over this service's tables.

A client the caller may not see does not exist for them: 404 CLIENT_NOT_FOUND, the
same answer as for an id that exists nowhere, so nothing leaks. A client they may
see, with an action their role does not allow, is 403 FORBIDDEN (the permission
check comes first)."""
from servicekit.errors import NotFound
from servicekit.ids import valid_uuid
from servicekit.visibility import may_see, scope_of

from ..repository import assignments as assignments_sql
from ..repository import visibility as visibility_sql
from ..tables import clients


def client_not_found(client_id=None):
    return NotFound(code="CLIENT_NOT_FOUND", message="客户不存在", message_en="No such client",
                    details={"client_id": str(client_id)} if client_id else {})


def visible_where(call, table=clients, column="id"):
    """WHERE clauses limiting `table` (with agency_id and a client id `column`) to
    the clients the caller may see."""
    return visibility_sql.visible_where(call.session, scope_of(call.auth), table, column)


def load_client(call, client_id, *, for_update=False):
    """A client the caller may see, or 404 CLIENT_NOT_FOUND."""
    client_id = valid_uuid(client_id)
    row = visibility_sql.visible_client(call.session, scope_of(call.auth), client_id, for_update=for_update) \
        if client_id else None
    if row is None:
        raise client_not_found(client_id)
    return row


def may_see_client(call, client_id):
    """Whether the caller may see `client_id`, a client of their agency (the client of
    a contract or feedback row already read within the agency)."""
    return may_see(call.auth, client_id, lambda: assignments_sql.serves(call.session, client_id, call.auth.user_id))


def visible_client_ids(call):
    """For other services: {"all": true} (admin, supervisor: every client of the
    agency, now and later) or {"all": false, "client_ids": [...]}."""
    scope = scope_of(call.auth)
    if scope.all:
        return {"agency_id": scope.agency_id, "all": True, "client_ids": None}
    return {"agency_id": scope.agency_id, "all": False, "client_ids": visibility_sql.visible_ids(call.session, scope)}
