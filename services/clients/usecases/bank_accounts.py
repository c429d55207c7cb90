"""A client's bank accounts; the account number is encrypted at rest and shown masked."""
from sqlalchemy import select, update

from servicekit.errors import NotFound

from ..domain.masking import mask_account_number
from ..domain.rules import FieldErrors, clean_bank_account
from ..tables import bank_accounts
from .clients import bank_account_row, client_changed
from .common import account_number_context
from .context import valid_uuid
from .views import bank_account_view
from .visibility import load_client


def load_account(call, client, account_id):
    account_id = valid_uuid(account_id)
    row = call.session.execute(select(bank_accounts).where(
        bank_accounts.c.id == account_id, bank_accounts.c.client_id == client.id)).first() if account_id else None
    if row is None:
        raise NotFound(code="BANK_ACCOUNT_NOT_FOUND", message="银行账户不存在", message_en="No such bank account")
    return row


def list_bank_accounts(call, client_id):
    client = load_client(call, client_id)
    rows = call.session.execute(select(bank_accounts).where(bank_accounts.c.client_id == client.id)
                                .order_by(bank_accounts.c.created_at, bank_accounts.c.id)).all()
    return {"items": [bank_account_view(r) for r in rows]}


def add_bank_account(call, client_id, payload):
    client = load_client(call, client_id, for_update=True)
    errors = FieldErrors()
    clean = clean_bank_account(payload, errors)
    errors.raise_if_any()
    row = bank_account_row(call, client.id, clean)
    call.session.execute(bank_accounts.insert().values(**row))
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
        call.session.execute(update(bank_accounts).where(bank_accounts.c.id == row.id).values(**changes))
        client_changed(call, client, "bank_accounts")
    return bank_account_view(load_account(call, client, row.id))


def remove_bank_account(call, client_id, account_id):
    client = load_client(call, client_id, for_update=True)
    row = load_account(call, client, account_id)
    call.session.execute(bank_accounts.delete().where(bank_accounts.c.id == row.id))
    client_changed(call, client, "bank_accounts")
    return {}
