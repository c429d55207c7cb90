"""RPC from the gateway with a deadline.

nameko's RPC client waits forever for a reply. When a service is down its request
queue still exists, so a call would hang; the gateway instead gives up after
RPC_TIMEOUT_SECONDS with a 503, and the request message carries the same TTL so
the broker drops it rather than running a change the user was told failed.
"""
import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import UnknownService

from servicekit.config import setting
from servicekit.errors import ServiceUnavailable
from servicekit.rpc import UnconfirmedServiceRpc


def rpc_timeout():
    return setting("RPC_TIMEOUT_SECONDS", 10, float)


def bulk_rpc_timeout():
    return setting("BULK_RPC_TIMEOUT_SECONDS", 120, float)


class TimedServiceRpc(UnconfirmedServiceRpc):
    def setup(self):
        # seconds; kombu turns it into the AMQP per-message expiration
        self.publisher_options.setdefault("expiration", rpc_timeout())
        super().setup()


class BulkServiceRpc(TimedServiceRpc):
    """For the few requests that legitimately run long (a 10,000-voucher import or
    batch): the deadline is BULK_RPC_TIMEOUT_SECONDS, so the user is not told 503
    for work the service then finishes. Use with `call(..., deadline=bulk_rpc_timeout())`."""

    def setup(self):
        self.publisher_options.setdefault("expiration", bulk_rpc_timeout())
        super().setup()


def unavailable(service):
    return ServiceUnavailable(
        code="SERVICE_UNAVAILABLE",
        message=f"服务 {service} 暂时不可用，请稍后再试",
        message_en=f"The {service} service is temporarily unavailable, try again later",
        details={"service": service},
    )


def call(client, method, *args, deadline=None, **kwargs):
    """client is a TimedServiceRpc dependency (bound to one service); `deadline`:
    seconds to wait (RPC_TIMEOUT_SECONDS unless given; match the client's expiration)."""
    service = client.service_name
    try:
        with eventlet.Timeout(deadline or rpc_timeout(), unavailable(service)):
            return getattr(client, method).call_async(*args, **kwargs).result()
    except (UnknownService, OperationalError, AMQPError, ConnectionError, OSError) as exc:
        raise unavailable(service) from exc
