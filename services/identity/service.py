"""identity: agencies, users, roles, sessions, MFA, login history, audit log.

The nameko class is assembled from one mixin per area (entrypoints/), each a thin
`self._run(use case, input, permission=…)`; the use cases (usecases/) run in one
unit of work each, the SQL is in repository/, the pure rules in domain/, and what
identity publishes and consumes is in events.py."""
from .entrypoints.audit import AuditEntrypoints
from .entrypoints.mfa import MfaEntrypoints
from .entrypoints.passwords import PasswordEntrypoints
from .entrypoints.sign_in import SignInEntrypoints
from .entrypoints.users import UserEntrypoints
from .events import AuditFeed


class IdentityService(SignInEntrypoints, PasswordEntrypoints, MfaEntrypoints, UserEntrypoints, AuditEntrypoints,
                      AuditFeed):
    name = "identity"
