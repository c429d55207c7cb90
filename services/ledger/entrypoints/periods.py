"""periods entrypoints (to be filled)."""
from .base import LedgerBase


class PeriodEntrypoints(LedgerBase):
    pass
