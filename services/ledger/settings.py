"""The ledger service's settings, read once from nameko config / the environment.
(The clients RPC deadline, CLIENTS_RPC_TIMEOUT_SECONDS, is read by its
TimedServiceRpc: clients_directory.py.)"""
from dataclasses import dataclass

from servicekit.config import setting


@dataclass(frozen=True)
class LedgerSettings:
    batch_max: int = 10000  # vouchers in one batch request
    import_max_rows: int = 50000  # lines in one voucher import
    batch_close_concurrency: int = 4  # books closed at once by a batch-close job

    @classmethod
    def load(cls):
        return cls(
            batch_max=setting("VOUCHER_BATCH_MAX", 10000, int),
            import_max_rows=setting("VOUCHER_IMPORT_MAX_ROWS", 50000, int),
            batch_close_concurrency=setting("BATCH_CLOSE_CONCURRENCY", 4, int),
        )
