"""What every ledger entrypoint shares: the dependencies and `_run`, which runs one
use case in one transaction for a caller allowed a permission."""
from datetime import datetime, timezone

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider

from servicekit.auth import Auth
from servicekit.db import Database
from servicekit.errors import ValidationFailed
from servicekit.idempotency import Idempotency
from servicekit.observability import HealthEndpoints, Observability
from servicekit.outbox import OutboxRelay

from ..clients_directory import ClientDirectory, ClientsRpc
from ..settings import LedgerSettings
from ..tables import idempotency_keys
from ..usecases.context import Call, Deps

idempotency = Idempotency(idempotency_keys)


class LedgerTools(DependencyProvider):
    """Built once per process: the settings."""

    def setup(self):
        self.deps = Deps(settings=LedgerSettings.load())

    def get_dependency(self, worker_ctx):
        return self.deps


def load(schema_cls, payload, **kwargs):
    try:
        return schema_cls(**kwargs).load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(fields=exc.messages) from exc


class LedgerBase(HealthEndpoints):
    name = "ledger"

    observability = Observability()
    db = Database()
    relay = OutboxRelay()
    caller = Auth()
    tools = LedgerTools()
    clients_rpc = ClientsRpc()

    def _call(self, session, auth):
        return Call(session=session, now=datetime.now(timezone.utc), deps=self.tools, auth=auth,
                    ip=self.caller.ip, user_agent=self.caller.user_agent,
                    clients=ClientDirectory(self.clients_rpc, self.tools.settings.clients_timeout))

    def _run(self, usecase, *args, permission, idempotent=None):
        """Run a use case in one transaction for a caller allowed `permission`.
        `idempotent`: an operation name; a retry with the same Idempotency-Key
        returns the first reply."""
        auth = self.caller.require(permission)
        key = self.caller.idempotency_key if idempotent else None
        with self.db.unit_of_work() as session:
            call = self._call(session, auth)
            return idempotency.once(session, auth, idempotent, key, args, lambda: usecase(call, *args))
