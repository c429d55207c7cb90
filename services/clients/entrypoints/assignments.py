"""Who serves which client, over RPC."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.clients import schemas
from ..usecases import assignments


class AssignmentEntrypoints:
    @rpc
    def list_assignments(self, client_id):
        return self._run(assignments.list_assignments, client_id, permission="clients.read")

    @rpc
    def assign(self, client_id, role, payload):
        return self._run(assignments.assign, client_id, role, parse(schemas.AssignSchema, payload),
                         permission="clients.assign")

    @rpc
    def unassign(self, client_id, role):
        return self._run(assignments.unassign, client_id, role, permission="clients.assign")

    @rpc
    def assignment_history(self, client_id, query=None):
        return self._run(assignments.history, client_id, parse(schemas.PageQuery, query), permission="clients.assign")
