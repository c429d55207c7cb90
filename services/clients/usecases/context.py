"""What every use case gets: servicekit's Call (the transaction, the clock, the
caller, the settings) with the clients service's own tools, the field cipher and
identity over RPC."""
from dataclasses import dataclass

from servicekit import service
from servicekit.crypto import FieldCipher

from ..settings import ClientsSettings


@dataclass
class Deps:
    """Long-lived tools, built once per service process (servicekit.service.Tools)."""
    settings: ClientsSettings
    cipher: FieldCipher

    @classmethod
    def build(cls):
        return cls(settings=ClientsSettings.load(), cipher=FieldCipher.from_setting())


@dataclass
class Call(service.Call):
    identity: object = None  # identity's RPC proxy, with its deadline (directory.py)

    @property
    def cipher(self):
        return self.deps.cipher
