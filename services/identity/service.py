"""identity: agencies, users, roles, sessions, MFA, login history, audit log.

A thin nameko entrypoint: parse with marshmallow, run a use case in one unit of
work, shape the reply. The rules are in domain/, the orchestration in usecases/."""
from datetime import datetime, timezone

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from servicekit.rpc import rpc

from servicekit.auth import Auth
from servicekit.config import setting
from servicekit.crypto import FieldCipher
from servicekit.db import Database
from servicekit.errors import ValidationFailed
from servicekit.idempotency import Idempotency
from servicekit.inbox import claim, reliable_event_handler
from servicekit.observability import HealthEndpoints, Observability
from servicekit.outbox import OutboxRelay

from contracts.identity import schemas
from .domain.notify import build_senders
from .settings import IdentitySettings
from .signing import SigningKey
from .tables import idempotency_keys
from .usecases import audit_feed, audit_log, mfa, passwords, registration, sessions, users
from .usecases.common import Refusal
from .usecases.context import Call, Deps

idempotency = Idempotency(idempotency_keys)


class IdentityTools(DependencyProvider):
    """Built once per process: settings, the signing key, message senders, field cipher."""

    def setup(self):
        self.deps = Deps(
            settings=IdentitySettings.load(),
            signer=SigningKey.load(setting("JWT_PRIVATE_KEY_FILE", "var/secrets/jwt_ed25519.pem")),
            senders=build_senders({
                **{key: setting(key) for key in (
                    "NOTIFY_EMAIL_BACKEND", "NOTIFY_SMS_BACKEND", "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME",
                    "SMTP_PASSWORD", "SMTP_USE_TLS", "SMTP_USE_SSL", "SMTP_FROM")},
                "NOTIFY_DEV_OUTBOX": setting("DEV_OUTBOX_PATH"),
            }),
            cipher=FieldCipher.from_setting(),
        )

    def get_dependency(self, worker_ctx):
        return self.deps


def load(schema_cls, payload):
    try:
        return schema_cls().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(fields=exc.messages) from exc


class IdentityService(HealthEndpoints):
    name = "identity"

    observability = Observability()
    db = Database()
    relay = OutboxRelay()
    caller = Auth()
    tools = IdentityTools()

    def _audit_event(self, source, envelope):
        with self.db.unit_of_work() as session:
            if claim(session, envelope["event_id"], "identity.audit"):
                audit_feed.record(session, source, envelope)

    # the audit log follows what other services publish (usecases/audit_feed.py)
    @reliable_event_handler("clients", "sensitive_revealed")
    def audit_sensitive_revealed(self, envelope):
        self._audit_event("clients", envelope)

    @reliable_event_handler("clients", "assignment_changed")
    def audit_assignment_changed(self, envelope):
        self._audit_event("clients", envelope)

    @reliable_event_handler("clients", "client_status_changed")
    def audit_client_status_changed(self, envelope):
        self._audit_event("clients", envelope)

    @reliable_event_handler("ledger", "period_closed")
    def audit_period_closed(self, envelope):
        self._audit_event("ledger", envelope)

    @reliable_event_handler("ledger", "period_reopened")
    def audit_period_reopened(self, envelope):
        self._audit_event("ledger", envelope)

    @reliable_event_handler("ledger", "voucher_reversed")
    def audit_voucher_reversed(self, envelope):
        self._audit_event("ledger", envelope)

    def _run(self, usecase, *args, permission=None, idempotent=None):
        """Run a use case in one transaction. `permission`: what the caller must be
        allowed (None = public). `idempotent`: an operation name; a retry with the
        same Idempotency-Key returns the first reply."""
        auth = self.caller.require(permission) if permission else None
        key = self.caller.idempotency_key if idempotent else None
        with self.db.unit_of_work() as session:
            call = Call(session=session, now=datetime.now(timezone.utc), deps=self.tools, auth=auth,
                        ip=self.caller.ip, user_agent=self.caller.user_agent, idempotency_key=key)
            outcome = idempotency.once(session, auth, idempotent, key, args, lambda: usecase(call, *args),
                                       keep=lambda reply: not isinstance(reply, Refusal))
        if isinstance(outcome, Refusal):
            raise outcome.error  # its writes (a counted failure, say) are committed
        return outcome

    # -- public: registration and sign-in --------------------------------------
    @rpc
    def register_agency(self, payload):
        return self._run(registration.register_agency, load(schemas.RegisterAgencySchema, payload))

    @rpc
    def verify_registration(self, payload):
        return self._run(registration.verify_registration, load(schemas.VerifyRegistrationSchema, payload))

    @rpc
    def login(self, payload):
        return self._run(sessions.login, load(schemas.LoginSchema, payload))

    @rpc
    def login_mfa(self, payload):
        return self._run(sessions.login_mfa, load(schemas.MfaLoginSchema, payload))

    @rpc
    def refresh(self, payload):
        return self._run(sessions.refresh, load(schemas.RefreshSchema, payload))

    @rpc
    def forgot_password(self, payload):
        return self._run(passwords.forgot_password, load(schemas.ForgotPasswordSchema, payload))

    @rpc
    def reset_password(self, payload):
        return self._run(passwords.reset_password, load(schemas.ResetPasswordSchema, payload))

    @rpc
    def public_auth_state(self):
        return self._run(sessions.public_auth_state)

    # -- signed in: me -----------------------------------------------------
    @rpc
    def logout(self, payload=None):
        return self._run(sessions.logout, load(schemas.LogoutSchema, payload), permission="self.manage")

    @rpc
    def change_password(self, payload):
        return self._run(passwords.change_password, load(schemas.ChangePasswordSchema, payload),
                         permission="self.manage")

    @rpc
    def me(self):
        return self._run(users.me, permission="self.read")

    @rpc
    def my_logins(self, query=None):
        return self._run(lambda call, q: sessions.logins_of(call, call.auth.user_id, q),
                         load(schemas.PageQuery, query), permission="self.read")

    @rpc
    def my_sessions(self):
        return self._run(sessions.my_sessions, permission="self.read")

    @rpc
    def revoke_my_session(self, session_id):
        return self._run(sessions.revoke_my_session, session_id, permission="self.manage")

    @rpc
    def mfa_enrol(self):
        return self._run(mfa.enrol, permission="self.manage")

    @rpc
    def mfa_confirm(self, payload):
        return self._run(mfa.confirm, load(schemas.MfaConfirmSchema, payload), permission="self.manage")

    @rpc
    def mfa_disable(self, payload):
        return self._run(mfa.disable, load(schemas.MfaDisableSchema, payload), permission="self.manage")

    # -- agency and users -------------------------------------------------------
    @rpc
    def get_agency(self):
        return self._run(users.get_agency, permission="agency.read")

    @rpc
    def update_agency(self, payload):
        return self._run(users.update_agency, load(schemas.UpdateAgencySchema, payload), permission="agency.manage")

    @rpc
    def list_users(self, query=None):
        return self._run(users.list_users, load(schemas.UsersQuery, query), permission="users.read")

    @rpc
    def create_user(self, payload):
        return self._run(users.create_user, load(schemas.CreateUserSchema, payload), permission="users.manage",
                         idempotent="create_user")

    @rpc
    def get_user(self, user_id):
        return self._run(users.get_user, user_id, permission="users.read")

    @rpc
    def update_user(self, user_id, payload):
        return self._run(users.update_user, user_id, load(schemas.UpdateUserSchema, payload),
                         permission="users.manage")

    @rpc
    def revoke_user_sessions(self, user_id):
        return self._run(users.revoke_user_sessions, user_id, permission="users.revoke_sessions")

    @rpc
    def user_logins(self, user_id, query=None):
        return self._run(users.user_logins, user_id, load(schemas.PageQuery, query), permission="users.read_logins")

    @rpc
    def audit_log(self, query=None):
        return self._run(audit_log.list_entries, load(schemas.AuditQuery, query), permission="audit.read")

    @rpc
    def verify_audit_chain(self):
        return self._run(audit_log.verify, permission="audit.read")
