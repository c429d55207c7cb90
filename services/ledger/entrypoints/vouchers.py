"""vouchers entrypoints (to be filled)."""
from .base import LedgerBase


class VoucherEntrypoints(LedgerBase):
    pass
