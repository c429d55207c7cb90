"""The clients service, asked over RPC about a client company: does it exist for
this caller (the call carries the caller's own context data, so clients applies its
own tenancy and visibility), its name and accounting standard.

The call has a deadline: when clients is down it gives 503 after
CLIENTS_RPC_TIMEOUT_SECONDS, and the request message expires at the broker at the
same moment, so it never runs late."""
import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import UnknownService

from servicekit.config import setting
from servicekit.errors import NotFound, ServiceUnavailable
from servicekit.rpc import UnconfirmedServiceRpc


def clients_timeout():
    return setting("CLIENTS_RPC_TIMEOUT_SECONDS", 5, float)


class ClientsRpc(UnconfirmedServiceRpc):
    """RPC to clients whose request messages expire with the call's deadline."""

    def __init__(self, **options):
        super().__init__("clients", **options)

    def setup(self):
        self.publisher_options.setdefault("expiration", clients_timeout())
        super().setup()


def clients_unavailable():
    return ServiceUnavailable(code="SERVICE_UNAVAILABLE", message="服务 clients 暂时不可用，请稍后再试",
                              message_en="The clients service is temporarily unavailable, try again later",
                              details={"service": "clients"})


class ClientDirectory:
    def __init__(self, proxy, timeout=None):
        self.proxy = proxy
        self.timeout = timeout or clients_timeout()

    def get_client(self, client_id):
        """The clients service's view of the client as the caller may see it, or None
        when it does not exist for them (another agency, not assigned, no such id)."""
        try:
            with eventlet.Timeout(self.timeout, clients_unavailable()):
                return self.proxy.get_client.call_async(str(client_id)).result()
        except NotFound:
            return None
        except (UnknownService, OperationalError, AMQPError, ConnectionError, OSError) as exc:
            raise clients_unavailable() from exc
