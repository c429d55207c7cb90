"""A client's contacts and bank accounts over RPC."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.clients import schemas
from ..usecases import bank_accounts, contacts, sensitive


class ContactEntrypoints:
    # -- contacts ---------------------------------------------------------------------
    @rpc
    def list_contacts(self, client_id):
        return self._run(contacts.list_contacts, client_id, permission="clients.read")

    @rpc
    def add_contact(self, client_id, payload):
        return self._run(contacts.add_contact, client_id, parse(schemas.ContactSchema, payload),
                         permission="clients.manage")

    @rpc
    def update_contact(self, client_id, contact_id, payload):
        return self._run(contacts.update_contact, client_id, contact_id, parse(schemas.ContactUpdateSchema, payload),
                         permission="clients.manage")

    @rpc
    def remove_contact(self, client_id, contact_id):
        return self._run(contacts.remove_contact, client_id, contact_id, permission="clients.manage")

    # -- bank accounts ------------------------------------------------------------------
    @rpc
    def list_bank_accounts(self, client_id):
        return self._run(bank_accounts.list_bank_accounts, client_id, permission="clients.read")

    @rpc
    def add_bank_account(self, client_id, payload):
        return self._run(bank_accounts.add_bank_account, client_id, parse(schemas.BankAccountSchema, payload),
                         permission="clients.manage")

    @rpc
    def update_bank_account(self, client_id, account_id, payload):
        return self._run(bank_accounts.update_bank_account, client_id, account_id,
                         parse(schemas.BankAccountUpdateSchema, payload), permission="clients.manage")

    @rpc
    def remove_bank_account(self, client_id, account_id):
        return self._run(bank_accounts.remove_bank_account, client_id, account_id, permission="clients.manage")

    @rpc
    def reveal_bank_account(self, client_id, account_id, payload=None):
        return self._run(sensitive.reveal_bank_account, client_id, account_id, parse(schemas.RevealSchema, payload),
                         permission="clients.reveal_sensitive")
