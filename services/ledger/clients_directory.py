"""The clients service, asked over RPC about a client company: does it exist for
this caller (the call carries the caller's own context data, so clients applies its
own tenancy and visibility), its name and accounting standard.

The call has a deadline (servicekit.rpc): when clients is down it gives 503 after
CLIENTS_RPC_TIMEOUT_SECONDS, and the request message expires at the broker at the
same moment, so it never runs late."""
from servicekit.rpc import TimedServiceRpc, call_or_none


def clients_rpc():
    return TimedServiceRpc("clients", "CLIENTS_RPC_TIMEOUT_SECONDS", 5)


class ClientDirectory:
    def __init__(self, proxy):
        self.proxy = proxy

    def get_client(self, client_id):
        """The clients service's view of the client as the caller may see it, or None
        when it does not exist for them (another agency, not assigned, no such id)."""
        return call_or_none(self.proxy, "get_client", str(client_id))
