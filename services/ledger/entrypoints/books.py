"""books entrypoints (to be filled)."""
from .base import LedgerBase


class BookEntrypoints(LedgerBase):
    pass
