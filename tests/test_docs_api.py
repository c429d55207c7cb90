"""docs/api.md lists every route the gateway serves, and says truly which routes honour
Idempotency-Key and how large a page each list route allows."""
import re
from pathlib import Path

from gateway.openapi import api_routes, openapi_path
from gateway.service import GatewayService

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
CLIENT = "/api/v1/clients/{client_id}"


def short(path):
    """How the conventions name a route: `…/vouchers` under a client, `/users` otherwise."""
    return "…" + path[len(CLIENT):] if path.startswith(CLIENT + "/") else path.removeprefix("/api/v1")


def test_every_route_is_in_the_api_doc():
    text = DOC.read_text(encoding="utf-8")
    listed = {tuple(cell.strip().strip("`") for cell in line.split("|")[1:3])
              for line in text.splitlines() if line.startswith("| `")}
    routes = {(route.method, openapi_path(route.url)) for _, route in api_routes(GatewayService)}
    assert routes == listed


def test_the_routes_said_to_honour_idempotency_key_are_the_ones_that_do():
    text = DOC.read_text(encoding="utf-8")
    paragraph = text[text.index("- `Idempotency-Key:"):]
    paragraph = paragraph[:paragraph.index("\n- ")]
    said = set(re.findall(r"`POST ([^`]+)`", paragraph))
    honoured = {short(openapi_path(route.url)) if openapi_path(route.url).startswith(CLIENT + "/")
                else openapi_path(route.url) for _, route in api_routes(GatewayService) if route.idempotent}
    assert said == honoured


def test_the_page_size_table_says_each_routes_limit():
    text = DOC.read_text(encoding="utf-8")
    rows = [line.strip() for line in text.splitlines() if line.strip().startswith("| `") and "(" in line]
    limits = {}
    for row in rows:
        names, limit = row.strip("|").split("|")[:2]
        for name in re.findall(r"`([^`]+)`", names):
            limits[name] = limit.strip()
    checked = 0
    for _, route in api_routes(GatewayService):
        fields = getattr(route.query_schema, "_declared_fields", {}) if route.query_schema else {}
        size = fields.get("page_size") or fields.get("limit")
        if size is None:
            continue
        checked += 1
        name = short(openapi_path(route.url))
        assert name in limits, f"docs/api.md does not give the page size of {name}"
        expected = f"{size.maximum:,} ({size.load_default:,})"
        assert limits[name].endswith(expected), (name, limits[name], expected)
    assert checked >= 15
