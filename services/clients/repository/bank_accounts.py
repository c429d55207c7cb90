"""A client's bank accounts (the number encrypted, with a masked copy)."""
from sqlalchemy import select, update

from ..tables import bank_accounts


def of_client(session, client_id):
    return session.execute(select(bank_accounts).where(bank_accounts.c.client_id == client_id)
                           .order_by(bank_accounts.c.created_at, bank_accounts.c.id)).all()


def get(session, client_id, account_id):
    return session.execute(select(bank_accounts).where(bank_accounts.c.id == account_id,
                                                       bank_accounts.c.client_id == client_id)).first()


def insert(session, rows):
    if rows:
        session.execute(bank_accounts.insert(), rows)


def change(session, account_id, **values):
    session.execute(update(bank_accounts).where(bank_accounts.c.id == account_id).values(**values))


def delete(session, account_id):
    session.execute(bank_accounts.delete().where(bank_accounts.c.id == account_id))
