"""Client companies over RPC: create, list, read, change, status, reveal; and what
the other services ask about them."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.clients import schemas
from ..usecases import clients, sensitive, visibility


class ClientEntrypoints:
    @rpc
    def create_client(self, payload):
        return self._run(clients.create_client, parse(schemas.CreateClientSchema, payload),
                         permission="clients.manage", idempotent="create_client")

    @rpc
    def list_clients(self, query=None):
        return self._run(clients.list_clients, parse(schemas.ClientsQuery, query), permission="clients.read")

    @rpc
    def get_client(self, client_id):
        return self._run(clients.get_client, client_id, permission="clients.read")

    @rpc
    def update_client(self, client_id, payload):
        return self._run(clients.update_client, client_id, parse(schemas.UpdateClientSchema, payload),
                         permission="clients.manage")

    @rpc
    def change_client_status(self, client_id, payload):
        return self._run(clients.change_status, client_id, parse(schemas.ChangeStatusSchema, payload),
                         permission="clients.manage")

    @rpc
    def reveal_legal_representative(self, client_id, payload=None):
        return self._run(sensitive.reveal_legal_representative, client_id, parse(schemas.RevealSchema, payload),
                         permission="clients.reveal_sensitive")

    @rpc
    def reveal_log(self, query=None):
        return self._run(sensitive.list_reveals, parse(schemas.RevealLogQuery, query), permission="audit.read")

    # -- for the other services ------------------------------------------------------
    @rpc
    def get_taxpayer_profile(self, client_id):
        return self._run(clients.taxpayer_profile, client_id, permission="clients.read")

    @rpc
    def visible_client_ids(self):
        return self._run(visibility.visible_client_ids, permission="clients.read")
