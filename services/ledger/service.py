"""ledger: books (账套), charts of accounts, auxiliary items, opening balances,
vouchers and their review/posting, balances and books of account, period end.

A thin nameko class, assembled from one mixin per area (entrypoints/) and the event
handlers (events.py, which also lists everything the ledger publishes). Each RPC runs
one use case (usecases/) through servicekit's `_run`; the rules are in domain/, the
shared SQL in repository/."""
from .entrypoints.books import BookEntrypoints
from .entrypoints.periods import PeriodEntrypoints
from .entrypoints.reports import ReportEntrypoints
from .entrypoints.vouchers import VoucherEntrypoints
from .events import EventHandlers


class LedgerService(BookEntrypoints, VoucherEntrypoints, ReportEntrypoints, PeriodEntrypoints, EventHandlers):
    name = "ledger"
