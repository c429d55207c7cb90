"""The clients service's settings, read once from nameko config / the environment."""
from dataclasses import dataclass

from servicekit.config import setting


@dataclass(frozen=True)
class ClientsSettings:
    import_max_rows: int = 5000
    export_max_rows: int = 20000
    identity_timeout: float = 5.0  # seconds for a call to identity (assignee checks)

    @classmethod
    def load(cls):
        return cls(
            import_max_rows=setting("CLIENT_IMPORT_MAX_ROWS", 5000, int),
            export_max_rows=setting("CLIENT_EXPORT_MAX_ROWS", 20000, int),
            identity_timeout=setting("IDENTITY_RPC_TIMEOUT_SECONDS", 5, float),
        )
