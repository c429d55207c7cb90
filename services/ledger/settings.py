"""The ledger service's settings, read once from nameko config / the environment."""
from dataclasses import dataclass

from servicekit.config import setting


@dataclass(frozen=True)
class LedgerSettings:
    clients_timeout: float = 5.0  # seconds for a call to the clients service
    batch_max: int = 10000  # vouchers in one batch request
    import_max_rows: int = 50000  # lines in one voucher import
    batch_close_concurrency: int = 4  # books closed at once by a batch-close job

    @classmethod
    def load(cls):
        return cls(
            clients_timeout=setting("CLIENTS_RPC_TIMEOUT_SECONDS", 5, float),
            batch_max=setting("VOUCHER_BATCH_MAX", 10000, int),
            import_max_rows=setting("VOUCHER_IMPORT_MAX_ROWS", 50000, int),
            batch_close_concurrency=setting("BATCH_CLOSE_CONCURRENCY", 4, int),
        )
