"""ledger: books (账套), charts of accounts, auxiliary items, opening balances,
vouchers and their review/posting, balances and books of account, period end.

A thin nameko entrypoint, assembled from one mixin per area (entrypoints/): each
parses with marshmallow, checks the permission, runs a use case (usecases/) in one
unit of work and shapes the reply. The rules are in domain/, free of nameko."""
from .entrypoints.books import BookEntrypoints
from .entrypoints.periods import PeriodEntrypoints
from .entrypoints.projections import ProjectionEntrypoints
from .entrypoints.reports import ReportEntrypoints
from .entrypoints.vouchers import VoucherEntrypoints


class LedgerService(BookEntrypoints, VoucherEntrypoints, ReportEntrypoints, PeriodEntrypoints,
                    ProjectionEntrypoints):
    name = "ledger"
