"""The clients service's settings, read once from nameko config / the environment.
(IDENTITY_RPC_TIMEOUT_SECONDS is read by the identity RPC itself: directory.py.)"""
from dataclasses import dataclass

from servicekit.config import setting


@dataclass(frozen=True)
class ClientsSettings:
    import_max_rows: int = 5000
    export_max_rows: int = 20000

    @classmethod
    def load(cls):
        return cls(
            import_max_rows=setting("CLIENT_IMPORT_MAX_ROWS", 5000, int),
            export_max_rows=setting("CLIENT_EXPORT_MAX_ROWS", 20000, int),
        )
