"""clients: the agency's client companies (客户管理) and the service it gives them —
contacts, bank accounts, legal representative, contracts, staff assignments,
service records, feedback, the monthly board, Excel import and export.

The nameko class: servicekit's ServiceBase (permission, input, one unit of work
with idempotency, the outbox relay, health and metrics) composed with one mixin of
RPC entrypoints per area (entrypoints/) and the event handlers (events.py). The use
cases are in usecases/, the rules in domain/, the SQL in repository/."""
from servicekit.idempotency import Idempotency
from servicekit.service import ServiceBase, Tools

from . import tables
from .directory import identity_rpc
from .entrypoints.assignments import AssignmentEntrypoints
from .entrypoints.clients import ClientEntrypoints
from .entrypoints.contacts import ContactEntrypoints
from .entrypoints.contracts import ContractEntrypoints
from .entrypoints.servicing import ServicingEntrypoints
from .entrypoints.spreadsheets import SpreadsheetEntrypoints
from .events import ConsumedEvents
from .usecases.context import Call, Deps


class ClientsService(ServiceBase, ClientEntrypoints, ContactEntrypoints, AssignmentEntrypoints, ContractEntrypoints,
                     ServicingEntrypoints, SpreadsheetEntrypoints, ConsumedEvents):
    name = "clients"

    tools = Tools(Deps.build)
    idempotency = Idempotency(tables.idempotency_keys)
    call_class = Call
    identity = identity_rpc()

    def call_extras(self):
        return {"identity": self.identity}
