"""The staff directory: identity, asked over RPC whether a user exists in the
caller's agency and which roles they hold (to check an assignee).

The call carries the caller's own context data (nameko passes it on), so identity
applies its own permission check (users.read) and agency scoping. It has a
deadline: when identity is down the request would otherwise wait in its queue, so
the call gives up after IDENTITY_RPC_TIMEOUT_SECONDS with 503, and the request
message expires at the broker at the same moment, so it never runs late."""
import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import UnknownService

from servicekit.config import setting
from servicekit.errors import NotFound, ServiceUnavailable
from servicekit.rpc import UnconfirmedServiceRpc


def identity_timeout():
    return setting("IDENTITY_RPC_TIMEOUT_SECONDS", 5, float)


class IdentityRpc(UnconfirmedServiceRpc):
    """RPC to identity whose request messages expire with the call's deadline."""

    def __init__(self, **options):
        super().__init__("identity", **options)

    def setup(self):
        self.publisher_options.setdefault("expiration", identity_timeout())
        super().setup()


def identity_unavailable():
    return ServiceUnavailable(code="SERVICE_UNAVAILABLE", message="服务 identity 暂时不可用，请稍后再试",
                              message_en="The identity service is temporarily unavailable, try again later",
                              details={"service": "identity"})


class StaffDirectory:
    def __init__(self, proxy, timeout=None):
        self.proxy = proxy
        self.timeout = timeout or identity_timeout()

    def get_user(self, user_id):
        """identity's user view, or None when the agency has no such user."""
        try:
            with eventlet.Timeout(self.timeout, identity_unavailable()):
                return self.proxy.get_user.call_async(str(user_id)).result()
        except NotFound:
            return None
        except (UnknownService, OperationalError, AMQPError, ConnectionError, OSError) as exc:
            raise identity_unavailable() from exc
