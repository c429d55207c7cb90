"""Routes owned by the clients service (客户管理)."""


class ClientsRoutes:
    """Mixed into GatewayService, which provides `self.clients` (RPC to clients)."""
