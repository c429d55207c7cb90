"""What every ledger entrypoint stands on: servicekit's ServiceBase (permission, then
input, then one unit of work with idempotency) with the ledger's tools, its
idempotency table, its Call and the clients directory each Call carries."""
from servicekit.idempotency import Idempotency
from servicekit.service import ServiceBase, Tools

from ..clients_directory import ClientDirectory, clients_rpc
from ..settings import LedgerSettings
from ..tables import idempotency_keys
from ..usecases.context import Call, Deps


class LedgerBase(ServiceBase):
    name = "ledger"

    tools = Tools(lambda: Deps(settings=LedgerSettings.load()))
    idempotency = Idempotency(idempotency_keys)
    call_class = Call
    clients_rpc = clients_rpc()

    def call_extras(self):
        return {"clients": ClientDirectory(self.clients_rpc)}
