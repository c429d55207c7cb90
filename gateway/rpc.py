"""The gateway's RPC clients: servicekit.rpc's, the one RPC client with a deadline
every process uses (a call gives up with 503 SERVICE_UNAVAILABLE after the deadline,
and its request message expires with it). Most calls wait RPC_TIMEOUT_SECONDS (10 s);
the few that legitimately run long — a 10,000-voucher import or batch, an export —
use `bulk_rpc`, BULK_RPC_TIMEOUT_SECONDS (120 s), so the user is not told 503 for
work the service then finishes."""
from servicekit.rpc import TimedServiceRpc, call, unavailable

__all__ = ["TimedServiceRpc", "call", "unavailable", "service_rpc", "bulk_rpc"]


def service_rpc(service):
    return TimedServiceRpc(service, "RPC_TIMEOUT_SECONDS", 10)


def bulk_rpc(service):
    return TimedServiceRpc(service, "BULK_RPC_TIMEOUT_SECONDS", 120)
