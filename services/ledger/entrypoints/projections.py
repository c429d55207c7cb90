"""projections entrypoints (to be filled)."""
from .base import LedgerBase


class ProjectionEntrypoints(LedgerBase):
    pass
