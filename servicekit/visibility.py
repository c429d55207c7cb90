"""Who may see which client company: the rule, once, for every service (clients
decides it over its assignments table, the ledger over its client_staff projection,
the next services over theirs). Pure: no SQL, no I/O, unit-tested without a database.

    admin, supervisor        every client of their agency
    accountant, assistant    the clients they are assigned to (in any role)
    client                   only their own company (auth.client_id)
    anyone else              nothing

Everything is also scoped to the caller's agency (from the verified token, never a
request body). A user with several roles gets the widest. A client the caller may
not see does not exist for them: each service answers 404, the same as for an id
that exists nowhere, so nothing leaks.
"""
from dataclasses import dataclass

from .ids import valid_uuid

SEE_ALL = frozenset({"admin", "supervisor"})
SEE_ASSIGNED = frozenset({"accountant", "assistant"})


@dataclass(frozen=True)
class Scope:
    """What a caller may see, as a service turns it into a WHERE clause."""
    agency_id: str
    all: bool = False
    user_id: str = None  # assigned-only: the clients this user is assigned to
    client_id: str = None  # a client user's own company

    @property
    def nothing(self):
        return not self.all and not self.user_id and not self.client_id

    @property
    def needs_assignments(self):
        return self.user_id is not None


def scope_of(auth):
    roles = set(auth.roles)
    if roles & SEE_ALL:
        return Scope(auth.agency_id, all=True)
    if roles & SEE_ASSIGNED:
        return Scope(auth.agency_id, user_id=auth.user_id)
    own = valid_uuid(auth.client_id) if "client" in roles else None
    if own:
        return Scope(auth.agency_id, client_id=own)
    return Scope(auth.agency_id)


def may_see(auth, client_id, assigned):
    """Whether the caller may see `client_id` of their own agency. `assigned`: whether
    the caller is assigned to it (asked only for assigned-only callers: pass a
    callable to look it up lazily, or a bool)."""
    scope = scope_of(auth)
    if scope.all:
        return True
    if scope.needs_assignments:
        return bool(assigned() if callable(assigned) else assigned)
    if scope.client_id:
        return scope.client_id == valid_uuid(client_id)
    return False
