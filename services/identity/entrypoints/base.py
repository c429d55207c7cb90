"""What every identity entrypoint stands on: servicekit's ServiceBase (`_run`: the
permission, then the input, then one unit of work with idempotency) with identity's
tools, its idempotency table, its Call and an RPC proxy to the clients service."""
from servicekit.config import setting
from servicekit.crypto import FieldCipher
from servicekit.idempotency import Idempotency
from servicekit.rpc import TimedServiceRpc
from servicekit.service import ServiceBase, Tools

from ..senders import senders_from_settings
from ..settings import IdentitySettings
from ..signing import SigningKey
from ..tables import idempotency_keys
from ..usecases.context import Call, Deps


def build():
    """Built once per process, when the container starts: a bad setting stops the start."""
    return Deps(
        settings=IdentitySettings.load(),
        signer=SigningKey.load(setting("JWT_PRIVATE_KEY_FILE", "var/secrets/jwt_ed25519.pem")),
        senders=senders_from_settings(),
        cipher=FieldCipher.from_setting(),
    )


class IdentityBase(ServiceBase):
    name = "identity"

    tools = Tools(build)
    idempotency = Idempotency(idempotency_keys)
    call_class = Call
    clients_rpc = TimedServiceRpc("clients", "CLIENTS_RPC_TIMEOUT_SECONDS", 5)

    def call_extras(self):
        return {"clients": self.clients_rpc}
