"""What every ledger use case gets: servicekit's Call (the transaction, the clock, the
caller, the settings) and the clients directory (RPC) for questions about client
companies."""
from dataclasses import dataclass

from servicekit.service import Call as BaseCall


@dataclass
class Deps:
    """Long-lived tools, built once per service process."""
    settings: object  # LedgerSettings


@dataclass
class Call(BaseCall):
    clients: object = None  # clients_directory.ClientDirectory: the caller's view of client companies
