"""The gateway: the only public HTTP surface. Each route authenticates and bounds the
request (gateway/http.py), then passes it to the owning service over RPC; the
services check permissions and validate every payload themselves, with the schemas
of contracts/ (which the gateway reads only to write the OpenAPI document). The
gateway imports no service code."""
import logging

from nameko.events import BROADCAST, event_handler
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from servicekit.auth import PERMISSIONS, ROLES
from servicekit.errors import NotFound
from servicekit.observability import HealthEndpoints, Observability

from .http import api
from .openapi import build_openapi
from .routes.clients import ClientsRoutes
from .routes.identity import ADMIN, IdentityRoutes
from .routes.ledger import LedgerRoutes
from .rpc import bulk_rpc, call, service_rpc
from .security import AuthState

log = logging.getLogger(__name__)


class AuthStateAccess(DependencyProvider):
    state = AuthState()  # the same shared instance the routes verify tokens with

    def get_dependency(self, worker_ctx):
        return self.state


class GatewayService(HealthEndpoints, IdentityRoutes, ClientsRoutes, LedgerRoutes):
    name = "gateway"

    observability = Observability()
    identity = service_rpc("identity")
    clients = service_rpc("clients")
    ledger = service_rpc("ledger")
    ledger_bulk = bulk_rpc("ledger")  # imports, exports and batches: a longer deadline
    auth_state = AuthStateAccess()

    # -- keeping the token checks current ---------------------------------
    @event_handler("identity", "session_revoked", handler_type=BROADCAST, reliable_delivery=False)
    def on_session_revoked(self, event):
        self.auth_state.mark_revoked(event["data"]["session_ids"])

    @timer(interval=60)
    def resync_auth_state(self):
        """Broadcast events can be missed across a reconnect; re-read identity's view."""
        try:
            self.auth_state.sync(call(self.identity, "public_auth_state"))
        except Exception as exc:  # noqa: BLE001 - identity may be down; keep what we have
            log.warning("auth state re-sync failed: %s", exc)

    # -- the API document ---------------------------------------------------
    @api("GET", "/api/v1/openapi.json", public=True, summary="OpenAPI 文档 / This API's OpenAPI document",
         tags=("文档 Docs",))
    def openapi(self, req):
        return build_openapi(type(self), req.raw.host_url.rstrip("/"))

    @api("GET", "/api/v1/roles", summary="角色与权限 / Roles and the permission matrix", tags=ADMIN)
    def roles(self, req):
        return {"items": [
            {"role": role, "label": zh, "label_en": en,
             "permissions": sorted(p for p, roles in PERMISSIONS.items() if role in roles)}
            for role, (zh, en) in ROLES.items()
        ]}

    # -- anything else --------------------------------------------------------
    @api("GET,POST,PUT,PATCH,DELETE", "/api/<path:rest>", public=True, summary="未知路径 / Unknown path",
         documented=False)
    def not_found(self, req):
        raise NotFound(code="ROUTE_NOT_FOUND", message="接口不存在", message_en="No such endpoint",
                       details={"path": req.raw.path})
