"""The base every service's nameko class stands on: one `_run` for every RPC (the
permission check, then the input, then one unit of work with idempotency), one
`Call` for every use case, and event handlers that claim the inbox.

    class ClientsService(ServiceBase):
        name = "clients"
        tools = Tools(lambda: Deps(settings=ClientsSettings.load(), cipher=FieldCipher.from_setting()))
        idempotency = Idempotency(tables.idempotency_keys)
        call_class = Call                       # a Call subclass with the service's own helpers

        @rpc
        def create_client(self, payload):
            return self._run(clients.create_client, parse(schemas.CreateClientSchema, payload),
                             permission="clients.manage", idempotent="create_client")

        @consumes("identity", "user_updated", consumer="clients.staff")
        def on_user_updated(self, call, envelope):
            assignments.user_updated(call, envelope)

`parse` does not validate at once: `_run` checks the caller's permission first, so a
caller who may not do something learns nothing about what their payload lacked.
The nameko class stays thin; the use cases know nothing of nameko.
"""
import functools
from dataclasses import dataclass
from datetime import date, datetime, timezone

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider

from .auth import Auth, AuthContext
from .db import Database
from .errors import AppError, ValidationFailed
from .ids import SHANGHAI
from .inbox import claim, reliable_event_handler
from .observability import HealthEndpoints, Observability
from .outbox import OutboxRelay


class Tools(DependencyProvider):
    """The service's long-lived tools (settings, cipher, signing key…), built once per
    process by `build()` when the container starts, so a bad setting stops the start."""

    def __init__(self, build):
        self.build = build
        self.deps = None

    def setup(self):
        self.deps = self.build()

    def get_dependency(self, worker_ctx):
        return self.deps


# -- input ----------------------------------------------------------------------------

_schemas = {}


def schema_of(schema_cls, **kwargs):
    """One instance per schema class and options: a marshmallow schema holds no state
    between loads, and building one per call costs more than the load itself."""
    key = (schema_cls, tuple(sorted(kwargs.items())))
    schema = _schemas.get(key)
    if schema is None:
        schema = _schemas[key] = schema_cls(**kwargs)
    return schema


def load(schema_cls, payload, **kwargs):
    """Validate `payload` now: the loaded data, or 400 VALIDATION_FAILED naming every
    field that is wrong. `None` loads as an empty object."""
    try:
        return schema_of(schema_cls, **kwargs).load({} if payload is None else payload)
    except ValidationError as exc:
        raise ValidationFailed(fields=exc.messages) from exc


class Input:
    """A payload and the schema to load it with, once `_run` has checked permission."""
    __slots__ = ("schema_cls", "payload", "kwargs")

    def __init__(self, schema_cls, payload, kwargs):
        self.schema_cls, self.payload, self.kwargs = schema_cls, payload, kwargs

    def load(self):
        return load(self.schema_cls, self.payload, **self.kwargs)


def parse(schema_cls, payload, **kwargs):
    """For `_run`'s arguments: `payload`, validated with `schema_cls` after the
    permission check (see `load`)."""
    return Input(schema_cls, payload, kwargs)


# -- one call -----------------------------------------------------------------------------

@dataclass
class Call:
    """One request or event: the open transaction, the time, who calls and from where,
    and the service's long-lived tools (`deps`). A service subclasses it to add its
    own helpers (how it publishes, its directories of other services)."""
    session: object
    now: datetime
    deps: object = None
    auth: AuthContext = None
    ip: str = None
    user_agent: str = None
    idempotency_key: str = None

    @property
    def settings(self):
        return self.deps.settings

    @property
    def today(self) -> date:
        """The business date: Asia/Shanghai."""
        return self.now.astimezone(SHANGHAI).date()


@dataclass
class Refusal:
    """A use case's answer that is an error whose writes must be kept (a failed login
    is recorded and counted, then refused): `_run` commits, then raises it."""
    error: AppError


class ServiceBase(HealthEndpoints):
    """What every service class has: logs and metrics, the database, the outbox relay,
    the caller, and `_run`. Set `name`, `tools`, `idempotency` and (optionally)
    `call_class`; override `call_extras` to give each Call more (an RPC directory)."""

    observability = Observability()
    db = Database()
    relay = OutboxRelay()
    caller = Auth()

    call_class = Call
    idempotency = None  # servicekit.idempotency.Idempotency(<the service's idempotency_keys table>)

    def call_extras(self):
        return {}

    def new_call(self, session, auth=None, *, idempotency_key=None):
        return self.call_class(session=session, now=datetime.now(timezone.utc), deps=self.tools, auth=auth,
                               ip=self.caller.ip, user_agent=self.caller.user_agent,
                               idempotency_key=idempotency_key, **self.call_extras())

    def _run(self, usecase, *args, permission=None, idempotent=None):
        """Run `usecase(call, *args)` in one transaction.

        `permission`: what the caller must be allowed; None for a public call (no
        auth context is read). It is checked before anything else, then any `parse`d
        argument is validated. `idempotent`: an operation name; a retry with the same
        Idempotency-Key returns the first reply. A `Refusal` reply is committed, then
        raised."""
        auth = self.caller.require(permission) if permission else None
        args = tuple(arg.load() if isinstance(arg, Input) else arg for arg in args)
        key = self.caller.idempotency_key if idempotent else None
        with self.db.unit_of_work() as session:
            call = self.new_call(session, auth, idempotency_key=key)
            outcome = self.idempotency.once(session, auth, idempotent, key, args, lambda: usecase(call, *args),
                                            keep=_not_refusal)
        if isinstance(outcome, Refusal):
            raise outcome.error
        return outcome

    def _consume(self, consumer, handler, envelope):
        """Run `handler(call, envelope)` once per event for `consumer`: the inbox claim
        and the handler's changes commit together, and a duplicate delivery is skipped."""
        with self.db.unit_of_work() as session:
            if claim(session, envelope["event_id"], consumer):
                handler(self.new_call(session), envelope)


def _not_refusal(reply):
    return not isinstance(reply, Refusal)


def consumes(source_service, event_type, *, consumer, **kwargs):
    """An event handler `def on_x(self, call, envelope)` that runs once per event
    (inbox `consumer`, deduplicated by event_id) in one transaction, and whose
    failure puts the message back on the queue (servicekit.inbox)."""

    def decorate(method):
        @functools.wraps(method)
        def handler(self, envelope):
            self._consume(consumer, functools.partial(method, self), envelope)

        return reliable_event_handler(source_service, event_type, **kwargs)(handler)

    return decorate
