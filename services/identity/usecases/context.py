"""What every use case needs: the transaction, the clock, the caller, the settings
and the tools (signing key, senders, field cipher)."""
from dataclasses import dataclass
from datetime import datetime

from servicekit.auth import AuthContext
from servicekit.outbox import add_event


@dataclass
class Deps:
    """Long-lived tools, built once per service process."""
    settings: object
    signer: object  # domain.tokens signing key holder: .private_key, .kid, .jwks
    senders: object  # domain.notify senders: .email, .sms
    cipher: object  # servicekit.crypto.FieldCipher


@dataclass
class Call:
    """One request: the open transaction, the time, who calls and from where."""
    session: object
    now: datetime
    deps: Deps
    auth: AuthContext = None
    ip: str = None
    user_agent: str = None
    idempotency_key: str = None

    @property
    def settings(self):
        return self.deps.settings

    def publish(self, event_type, data, *, agency_id, aggregate_id, aggregate_type="user"):
        return add_event(self.session, service="identity", event_type=event_type, data=data,
                         agency_id=agency_id, aggregate_id=str(aggregate_id), aggregate_type=aggregate_type)
