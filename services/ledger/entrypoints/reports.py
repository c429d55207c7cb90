"""reports entrypoints (to be filled)."""
from .base import LedgerBase


class ReportEntrypoints(LedgerBase):
    pass
