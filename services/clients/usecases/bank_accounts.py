"""A client's bank accounts; the account number is encrypted at rest and shown masked."""
from servicekit.errors import NotFound
from servicekit.ids import valid_uuid

from ..domain.encryption import account_number_context
from ..domain.masking import mask_account_number
from ..domain.rules import FieldErrors, clean_bank_account
from ..repository import bank_accounts as bank_accounts_sql
from .clients import bank_account_row, client_changed
from .views import bank_account_view
from .visibility import load_client


def load_account(call, client, account_id):
    account_id = valid_uuid(account_id)
    row = bank_accounts_sql.get(call.session, client.id, account_id) if account_id else None
    if row is None:
        raise NotFound(code="BANK_ACCOUNT_NOT_FOUND", message="银行账户不存在", message_en="No such bank account")
    return row


def list_bank_accounts(call, client_id):
    client = load_client(call, client_id)
    return {"items": [bank_account_view(r) for r in bank_accounts_sql.of_client(call.session, client.id)]}


def add_bank_account(call, client_id, payload):
    client = load_client(call, client_id, for_update=True)
    errors = FieldErrors()
    clean = clean_bank_account(payload, errors)
    errors.raise_if_any()
    row = bank_account_row(call, client.id, clean)
    bank_accounts_sql.insert(call.session, [row])
    client_changed(call, client, "bank_accounts")
    return bank_account_view(load_account(call, client, row["id"]))


def update_bank_account(call, client_id, account_id, payload):
    client = load_client(call, client_id, for_update=True)
    row = load_account(call, client, account_id)
    errors = FieldErrors()
    clean = clean_bank_account(payload, errors, partial=True)
    errors.raise_if_any()
    changes = {key: value for key, value in clean.items() if key != "account_number" and value != getattr(row, key)}
    if clean.get("account_number"):
        number = clean["account_number"]
        if number != call.cipher.decrypt(row.account_number, account_number_context(row.id)):
            changes["account_number"] = call.cipher.encrypt(number, account_number_context(row.id))
            changes["account_number_masked"] = mask_account_number(number)
    if changes:
        bank_accounts_sql.change(call.session, row.id, **changes)
        client_changed(call, client, "bank_accounts")
    return bank_account_view(load_account(call, client, row.id))


def remove_bank_account(call, client_id, account_id):
    client = load_client(call, client_id, for_update=True)
    row = load_account(call, client, account_id)
    bank_accounts_sql.delete(call.session, row.id)
    client_changed(call, client, "bank_accounts")
    return {}
