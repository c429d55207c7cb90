"""clients: the agency's client companies (客户管理) and the service it gives them —
contacts, bank accounts, legal representative, contracts, staff assignments,
service records, feedback, the monthly board, Excel import and export.

A thin nameko entrypoint: parse with marshmallow, check the permission, run a use
case in one unit of work, shape the reply. Which clients a caller may see is
decided in usecases/visibility.py; the rules are in domain/."""
from datetime import datetime, timezone

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from servicekit.rpc import rpc

from servicekit.auth import Auth, AuthContext
from servicekit.crypto import FieldCipher
from servicekit.db import Database
from servicekit.errors import ValidationFailed
from servicekit.idempotency import Idempotency
from servicekit.inbox import claim, reliable_event_handler
from servicekit.observability import HealthEndpoints, Observability
from servicekit.outbox import OutboxRelay

from contracts.clients import schemas
from .directory import IdentityRpc, StaffDirectory
from .settings import ClientsSettings
from .tables import idempotency_keys
from .usecases import (
    assignments, bank_accounts, clients, contacts, contracts, ledger_progress, sensitive, service as servicing,
    spreadsheets, visibility,
)
from .usecases.context import Call, Deps

idempotency = Idempotency(idempotency_keys)


class ClientsTools(DependencyProvider):
    """Built once per process: settings and the field cipher."""

    def setup(self):
        self.deps = Deps(settings=ClientsSettings.load(), cipher=FieldCipher.from_setting())

    def get_dependency(self, worker_ctx):
        return self.deps


def load(schema_cls, payload):
    try:
        return schema_cls().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(fields=exc.messages) from exc


class ClientsService(HealthEndpoints):
    name = "clients"

    observability = Observability()
    db = Database()
    relay = OutboxRelay()
    caller = Auth()
    tools = ClientsTools()
    identity = IdentityRpc()

    def _run(self, usecase, *args, permission, idempotent=None):
        """Run a use case in one transaction for a caller allowed `permission`.
        `idempotent`: an operation name; a retry with the same Idempotency-Key
        returns the first reply."""
        auth = self.caller.require(permission)
        key = self.caller.idempotency_key if idempotent else None
        with self.db.unit_of_work() as session:
            call = Call(session=session, now=datetime.now(timezone.utc), deps=self.tools, auth=auth,
                        ip=self.caller.ip, user_agent=self.caller.user_agent)
            return idempotency.once(session, auth, idempotent, key, args, lambda: usecase(call, *args))

    # -- client companies ---------------------------------------------------------
    @rpc
    def create_client(self, payload):
        return self._run(clients.create_client, load(schemas.CreateClientSchema, payload),
                         permission="clients.manage", idempotent="create_client")

    @rpc
    def list_clients(self, query=None):
        return self._run(clients.list_clients, load(schemas.ClientsQuery, query), permission="clients.read")

    @rpc
    def get_client(self, client_id):
        return self._run(clients.get_client, client_id, permission="clients.read")

    @rpc
    def update_client(self, client_id, payload):
        return self._run(clients.update_client, client_id, load(schemas.UpdateClientSchema, payload),
                         permission="clients.manage")

    @rpc
    def change_client_status(self, client_id, payload):
        return self._run(clients.change_status, client_id, load(schemas.ChangeStatusSchema, payload),
                         permission="clients.manage")

    @rpc
    def reveal_legal_representative(self, client_id, payload=None):
        return self._run(sensitive.reveal_legal_representative, client_id, load(schemas.RevealSchema, payload),
                         permission="clients.reveal_sensitive")

    @rpc
    def reveal_log(self, query=None):
        return self._run(sensitive.list_reveals, load(schemas.RevealLogQuery, query), permission="audit.read")

    # -- contacts and bank accounts ---------------------------------------------------
    @rpc
    def list_contacts(self, client_id):
        return self._run(contacts.list_contacts, client_id, permission="clients.read")

    @rpc
    def add_contact(self, client_id, payload):
        return self._run(contacts.add_contact, client_id, load(schemas.ContactSchema, payload),
                         permission="clients.manage")

    @rpc
    def update_contact(self, client_id, contact_id, payload):
        return self._run(contacts.update_contact, client_id, contact_id, load(schemas.ContactUpdateSchema, payload),
                         permission="clients.manage")

    @rpc
    def remove_contact(self, client_id, contact_id):
        return self._run(contacts.remove_contact, client_id, contact_id, permission="clients.manage")

    @rpc
    def list_bank_accounts(self, client_id):
        return self._run(bank_accounts.list_bank_accounts, client_id, permission="clients.read")

    @rpc
    def add_bank_account(self, client_id, payload):
        return self._run(bank_accounts.add_bank_account, client_id, load(schemas.BankAccountSchema, payload),
                         permission="clients.manage")

    @rpc
    def update_bank_account(self, client_id, account_id, payload):
        return self._run(bank_accounts.update_bank_account, client_id, account_id,
                         load(schemas.BankAccountUpdateSchema, payload), permission="clients.manage")

    @rpc
    def remove_bank_account(self, client_id, account_id):
        return self._run(bank_accounts.remove_bank_account, client_id, account_id, permission="clients.manage")

    @rpc
    def reveal_bank_account(self, client_id, account_id, payload=None):
        return self._run(sensitive.reveal_bank_account, client_id, account_id, load(schemas.RevealSchema, payload),
                         permission="clients.reveal_sensitive")

    # -- staff assignments --------------------------------------------------------------
    @rpc
    def list_assignments(self, client_id):
        return self._run(assignments.list_assignments, client_id, permission="clients.read")

    @rpc
    def assign(self, client_id, role, payload):
        self.caller.require("clients.assign")
        assignments.check_role(role)
        user_id = load(schemas.AssignSchema, payload)["user_id"]
        # ask identity before the transaction opens: no row lock held across the RPC
        user = assignments.check_assignee(
            StaffDirectory(self.identity, self.tools.settings.identity_timeout).get_user(user_id), role)
        return self._run(assignments.assign, client_id, role, user, permission="clients.assign")

    @rpc
    def unassign(self, client_id, role):
        self.caller.require("clients.assign")
        return self._run(assignments.unassign, client_id, assignments.check_role(role), permission="clients.assign")

    @rpc
    def assignment_history(self, client_id, query=None):
        return self._run(assignments.history, client_id, load(schemas.PageQuery, query), permission="clients.assign")

    # -- contracts --------------------------------------------------------------------
    @rpc
    def list_contracts(self, client_id, query=None):
        return self._run(contracts.list_contracts, client_id, load(schemas.ContractsQuery, query),
                         permission="contracts.read")

    @rpc
    def create_contract(self, client_id, payload):
        return self._run(contracts.create_contract, client_id, load(schemas.CreateContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def get_contract(self, contract_id):
        return self._run(contracts.get_contract, contract_id, permission="contracts.read")

    @rpc
    def update_contract(self, contract_id, payload):
        return self._run(contracts.update_contract, contract_id, load(schemas.UpdateContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def activate_contract(self, contract_id):
        return self._run(contracts.activate_contract, contract_id, permission="contracts.manage")

    @rpc
    def amend_contract(self, contract_id, payload):
        return self._run(contracts.amend_contract, contract_id, load(schemas.AmendContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def terminate_contract(self, contract_id, payload):
        return self._run(contracts.terminate_contract, contract_id, load(schemas.TerminateContractSchema, payload),
                         permission="contracts.manage")

    @rpc
    def contract_history(self, contract_id):
        return self._run(contracts.contract_history_of, contract_id, permission="contracts.read")

    @rpc
    def expiring_contracts(self, query=None):
        return self._run(contracts.expiring_contracts, load(schemas.ExpiringQuery, query),
                         permission="contracts.read")

    # -- service records, feedback, board --------------------------------------------------
    @rpc
    def list_service_records(self, client_id, query=None):
        return self._run(servicing.list_service_records, client_id, load(schemas.ServiceRecordsQuery, query),
                         permission="service.read")

    @rpc
    def add_service_record(self, client_id, payload):
        return self._run(servicing.add_service_record, client_id, load(schemas.ServiceRecordSchema, payload),
                         permission="service_records.write")

    @rpc
    def list_feedback(self, client_id, query=None):
        return self._run(servicing.list_feedback, client_id, load(schemas.FeedbackQuery, query),
                         permission="service.read")

    @rpc
    def create_feedback(self, client_id, payload):
        return self._run(servicing.create_feedback, client_id, load(schemas.FeedbackSchema, payload),
                         permission="feedback.create")

    @rpc
    def handle_feedback(self, feedback_id, payload):
        return self._run(servicing.handle_feedback, feedback_id, load(schemas.HandleFeedbackSchema, payload),
                         permission="feedback.handle")

    @rpc
    def close_feedback(self, feedback_id, payload):
        return self._run(servicing.close_feedback, feedback_id, load(schemas.CloseFeedbackSchema, payload),
                         permission="feedback.close")

    @rpc
    def board(self, client_id, query=None):
        return self._run(servicing.board, client_id, load(schemas.BoardQuery, query), permission="service.read")

    # -- Excel ----------------------------------------------------------------------------
    @rpc
    def import_template(self):
        return self._run(spreadsheets.import_template, permission="clients.manage")

    @rpc
    def import_clients(self, upload):
        return self._run(spreadsheets.import_clients, upload, permission="clients.manage")

    @rpc
    def export_clients(self, query=None):
        return self._run(spreadsheets.export_clients, load(schemas.ExportQuery, query), permission="clients.export")

    # -- for the other services -------------------------------------------------------------
    @rpc
    def get_taxpayer_profile(self, client_id):
        return self._run(clients.taxpayer_profile, client_id, permission="clients.read")

    @rpc
    def visible_client_ids(self):
        return self._run(visibility.visible_client_ids, permission="clients.read")

    # -- following identity ---------------------------------------------------------
    @reliable_event_handler("identity", "user_updated")
    def on_user_updated(self, envelope):
        """A disabled user, or one who lost a role, no longer serves clients in it."""
        user = (envelope.get("data") or {}).get("user") or {}
        if not {"disabled", "roles"} & set((envelope.get("data") or {}).get("changed") or []) or not user.get("id"):
            return
        with self.db.unit_of_work() as session:
            if not claim(session, envelope["event_id"], "clients.user_updated"):
                return
            system = AuthContext(agency_id=envelope["agency_id"], user_id=None, roles=("system",))
            call = Call(session=session, now=datetime.now(timezone.utc), deps=self.tools, auth=system)
            assignments.drop_for_user(call, user)

    # -- following the ledger (the board's books part) ------------------------------
    def _follow_ledger(self, envelope):
        with self.db.unit_of_work() as session:
            if not claim(session, envelope["event_id"], "clients.ledger_progress"):
                return
            system = AuthContext(agency_id=envelope.get("agency_id"), user_id=None, roles=("system",))
            call = Call(session=session, now=datetime.now(timezone.utc), deps=self.tools, auth=system)
            ledger_progress.follow(call, envelope)

    @reliable_event_handler("ledger", "voucher_posted")
    def on_voucher_posted(self, envelope):
        self._follow_ledger(envelope)

    @reliable_event_handler("ledger", "period_closed")
    def on_period_closed(self, envelope):
        self._follow_ledger(envelope)

    @reliable_event_handler("ledger", "period_reopened")
    def on_period_reopened(self, envelope):
        self._follow_ledger(envelope)
