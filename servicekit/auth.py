"""The auth context: who is calling, for which agency, with which roles.

The gateway verifies the access token and puts the context into nameko context
data under ``auth`` (a JSON string) with ``auth_sig``, an HMAC-SHA256 of it under
AUTH_CONTEXT_KEY, a secret only the platform's processes hold; nameko carries both
across every RPC hop. A service believes a context only with a valid signature, so
access to RabbitMQ alone (an outside system subscribed to ledger events, say) is not
enough to call a service as someone.
Services never take an agency id from a request body: they read it from here,
require a permission, and scope every query with ``tenant_filter``.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider

from .config import setting
from .errors import Forbidden, Unauthorized

CONTEXT_KEY = "auth"
SIGNATURE_KEY = "auth_sig"
MIN_SIGNING_KEY_LENGTH = 32


def signing_key():
    """AUTH_CONTEXT_KEY as bytes; every process of the platform has the same one."""
    value = setting("AUTH_CONTEXT_KEY")
    if not value or len(value) < MIN_SIGNING_KEY_LENGTH:
        raise RuntimeError(f"AUTH_CONTEXT_KEY must be set to a secret of at least {MIN_SIGNING_KEY_LENGTH} "
                           "characters (the same in the gateway and every service)")
    return value.encode()


def signature(text, key=None):
    return hmac.new(key or signing_key(), text.encode(), hashlib.sha256).hexdigest()


def signed_context(auth, key=None):
    """The context data entries that carry `auth` to a service: {auth, auth_sig}."""
    text = auth.to_json()
    return {CONTEXT_KEY: text, SIGNATURE_KEY: signature(text, key)}

ROLES = {
    "admin": ("管理员", "Agency admin"),
    "supervisor": ("主管会计", "Supervising accountant"),
    "accountant": ("会计", "Accountant"),
    "assistant": ("助理/出纳", "Assistant / cashier"),
    "client": ("客户", "Client owner (read-only, one company)"),
}

# The permission matrix (docs/permissions.md is written from this table).
# Least privilege: a permission not listed for a role is refused.
PERMISSIONS = {
    "agency.read": {"admin", "supervisor", "accountant", "assistant", "client"},
    "agency.manage": {"admin"},
    "users.read": {"admin", "supervisor"},
    "users.manage": {"admin"},
    "users.revoke_sessions": {"admin"},
    "users.read_logins": {"admin"},
    "audit.read": {"admin"},
    "self.read": {"admin", "supervisor", "accountant", "assistant", "client"},
    "self.manage": {"admin", "supervisor", "accountant", "assistant", "client"},
    # clients service: what a role may do; WHICH clients is usecases/visibility.py
    # (admin/supervisor all of the agency, accountant/assistant their assigned ones,
    # client their own company)
    "clients.read": {"admin", "supervisor", "accountant", "assistant", "client"},
    "clients.manage": {"admin", "supervisor"},
    "clients.export": {"admin", "supervisor"},
    "clients.assign": {"admin", "supervisor"},
    "clients.reveal_sensitive": {"admin", "supervisor"},
    "contracts.read": {"admin", "supervisor", "accountant", "client"},
    "contracts.manage": {"admin", "supervisor"},
    "service.read": {"admin", "supervisor", "accountant", "assistant", "client"},
    "service_records.write": {"admin", "supervisor", "accountant", "assistant"},
    "feedback.create": {"admin", "supervisor", "accountant", "assistant", "client"},
    "feedback.handle": {"admin", "supervisor"},
    "feedback.close": {"admin", "supervisor", "client"},
    # ledger service: books, vouchers, balances, period end (WHICH clients: the
    # same visibility as the clients service, see services/ledger/usecases/access.py)
    "ledger.read": {"admin", "supervisor", "accountant", "assistant", "client"},
    "books.manage": {"admin", "supervisor", "accountant"},
    "vouchers.write": {"admin", "supervisor", "accountant", "assistant"},
    "vouchers.review": {"admin", "supervisor", "accountant"},
    "vouchers.post": {"admin", "supervisor", "accountant"},
    "periods.close": {"admin", "supervisor", "accountant"},
    "periods.reopen": {"admin", "supervisor"},
    "periods.batch_close": {"admin", "supervisor"},
    "ledger.export": {"admin", "supervisor", "accountant"},
}


@dataclass(frozen=True)
class AuthContext:
    agency_id: str
    user_id: str
    roles: tuple = ()
    session_id: str = None
    client_id: str = None  # set for a `client` user: the one company they may see
    ip: str = None
    user_agent: str = None
    extra: dict = field(default_factory=dict, compare=False)

    def can(self, permission):
        allowed = PERMISSIONS.get(permission)
        if allowed is None:
            raise KeyError(f"unknown permission {permission!r}")
        return bool(allowed.intersection(self.roles))

    def require(self, permission):
        """Raise Forbidden unless one of the caller's roles grants `permission`."""
        if not self.can(permission):
            raise Forbidden(details={"permission": permission})
        return self

    def to_json(self):
        return json.dumps({
            "agency_id": self.agency_id, "user_id": self.user_id, "roles": list(self.roles),
            "session_id": self.session_id, "client_id": self.client_id,
            "ip": self.ip, "user_agent": self.user_agent,
        })

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(
            agency_id=data["agency_id"], user_id=data["user_id"], roles=tuple(data.get("roles") or ()),
            session_id=data.get("session_id"), client_id=data.get("client_id"),
            ip=data.get("ip"), user_agent=data.get("user_agent"),
        )


def tenant_filter(query, table_or_model, auth):
    """Scope a SQLAlchemy select/update/delete to the caller's agency."""
    return query.where(table_or_model.agency_id == auth.agency_id)


class RequestInfo:
    """What a service may know about the caller: the auth context (if signed in)
    and the client's IP and user agent (passed by the gateway for auditing)."""

    def __init__(self, context_data, key=None):
        # parsed lazily: nameko builds dependencies outside the worker's error
        # handling, so a bad value must fail the call, not the whole container
        self._key = key  # AUTH_CONTEXT_KEY, read once by the Auth dependency (else from the settings)
        self._raw = context_data.get(CONTEXT_KEY)
        self._signature = context_data.get(SIGNATURE_KEY)
        self._auth = None
        self.ip = context_data.get("client_ip")
        self.user_agent = context_data.get("client_user_agent")
        self.idempotency_key = context_data.get("idempotency_key")

    @property
    def signed_in(self):
        return bool(self._raw)

    @property
    def auth(self):
        if not self._raw:
            raise Unauthorized()
        if self._auth is None:
            if not isinstance(self._raw, str) or not isinstance(self._signature, str) or not hmac.compare_digest(
                    signature(self._raw, self._key), self._signature):
                raise Unauthorized(code="AUTH_CONTEXT_INVALID", message="认证上下文无效",
                                   message_en="The auth context is invalid")
            try:
                self._auth = AuthContext.from_json(self._raw)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise Unauthorized(code="AUTH_CONTEXT_INVALID", message="认证上下文无效",
                                   message_en="The auth context is invalid") from exc
        return self._auth

    def require(self, permission):
        return self.auth.require(permission)


class Auth(DependencyProvider):
    """nameko dependency: ``self.caller.require("users.manage")`` returns the AuthContext."""

    key = None

    def setup(self):
        # a process without the key would refuse every caller: refuse to start instead
        self.key = signing_key()

    def get_dependency(self, worker_ctx):
        return RequestInfo(worker_ctx.context_data, self.key)
