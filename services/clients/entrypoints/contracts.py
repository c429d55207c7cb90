"""Service contracts over RPC."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.clients import schemas
from ..usecases import contracts


class ContractEntrypoints:
    @rpc
    def list_contracts(self, client_id, query=None):
        return self._run(contracts.list_contracts, client_id, parse(schemas.ContractsQuery, query),
                         permission="contracts.read")

    @rpc
    def create_contract(self, client_id, payload):
        return self._run(contracts.create_contract, client_id, parse(schemas.CreateContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def get_contract(self, contract_id):
        return self._run(contracts.get_contract, contract_id, permission="contracts.read")

    @rpc
    def update_contract(self, contract_id, payload):
        return self._run(contracts.update_contract, contract_id, parse(schemas.UpdateContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def activate_contract(self, contract_id):
        return self._run(contracts.activate_contract, contract_id, permission="contracts.manage")

    @rpc
    def amend_contract(self, contract_id, payload):
        return self._run(contracts.amend_contract, contract_id, parse(schemas.AmendContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def terminate_contract(self, contract_id, payload):
        return self._run(contracts.terminate_contract, contract_id, parse(schemas.TerminateContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def contract_history(self, contract_id):
        return self._run(contracts.contract_history_of, contract_id, permission="contracts.read")

    @rpc
    def expiring_contracts(self, query=None):
        return self._run(contracts.expiring_contracts, parse(schemas.ExpiringQuery, query),
                         permission="contracts.read")
