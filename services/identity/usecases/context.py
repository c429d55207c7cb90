"""What every identity use case gets: servicekit's Call (the open transaction, the
clock, the caller, the settings) with identity's long-lived tools, and the clients
service to ask about a client company."""
from dataclasses import dataclass

from servicekit.service import Call as ServiceCall


@dataclass
class Deps:
    """Long-lived tools, built once per service process (entrypoints/base.py)."""
    settings: object  # settings.IdentitySettings
    signer: object  # signing.SigningKey: .private_key, .kid, .jwks, .verifier
    senders: object  # senders.Senders: .email, .sms
    cipher: object  # servicekit.crypto.FieldCipher


@dataclass
class Call(ServiceCall):
    # RPC proxy to the clients service (servicekit.rpc.TimedServiceRpc); its calls
    # carry the caller's own context, so clients answers as it would answer them
    clients: object = None
