"""Books, accounts, auxiliary items and opening balances over RPC."""
from contracts.ledger import schemas
from servicekit.rpc import rpc
from servicekit.service import parse

from ..usecases import accounts, books, opening
from .base import LedgerBase


class BookEntrypoints(LedgerBase):
    # -- books (账套) -------------------------------------------------------------------
    @rpc
    def create_book(self, client_id, payload):
        return self._run(books.create_book, client_id, parse(schemas.CreateBookSchema, payload),
                         permission="books.manage", idempotent="create_book")

    @rpc
    def get_book(self, client_id):
        return self._run(books.get_book, client_id, permission="ledger.read")

    @rpc
    def update_book(self, client_id, payload):
        return self._run(books.update_book, client_id, parse(schemas.UpdateBookSchema, payload),
                         permission="books.manage")

    @rpc
    def list_books(self, query=None):
        return self._run(books.list_books, parse(schemas.BooksQuery, query), permission="ledger.read")

    # -- accounts (科目) and auxiliary items (辅助核算) -------------------------------------------
    @rpc
    def list_accounts(self, client_id, query=None):
        return self._run(accounts.list_accounts, client_id, parse(schemas.AccountsQuery, query),
                         permission="ledger.read")

    @rpc
    def add_account(self, client_id, payload):
        return self._run(accounts.add_account, client_id, parse(schemas.AccountSchema, payload),
                         permission="books.manage")

    @rpc
    def update_account(self, client_id, code, payload):
        return self._run(accounts.update_account, client_id, str(code), parse(schemas.AccountUpdateSchema, payload),
                         permission="books.manage")

    @rpc
    def list_aux_items(self, client_id, query=None):
        return self._run(accounts.list_aux_items, client_id, parse(schemas.AuxItemsQuery, query),
                         permission="ledger.read")

    @rpc
    def add_aux_item(self, client_id, payload):
        return self._run(accounts.add_aux_item, client_id, parse(schemas.AuxItemSchema, payload),
                         permission="books.manage")

    @rpc
    def update_aux_item(self, client_id, item_id, payload):
        return self._run(accounts.update_aux_item, client_id, item_id, parse(schemas.AuxItemUpdateSchema, payload),
                         permission="books.manage")

    # -- opening balances (期初余额) ------------------------------------------------------------
    @rpc
    def get_opening_balances(self, client_id):
        return self._run(opening.get_opening_balances, client_id, permission="ledger.read")

    @rpc
    def set_opening_balances(self, client_id, payload):
        return self._run(opening.set_opening_balances, client_id, parse(schemas.OpeningBalancesSchema, payload),
                         permission="books.manage")
