"""docs/api.md lists every route the gateway serves."""
from pathlib import Path

from gateway.openapi import api_routes, openapi_path
from gateway.service import GatewayService

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_every_route_is_in_the_api_doc():
    text = DOC.read_text(encoding="utf-8")
    listed = {tuple(cell.strip().strip("`") for cell in line.split("|")[1:3])
              for line in text.splitlines() if line.startswith("| `")}
    routes = {(route.method, openapi_path(route.url)) for _, route in api_routes(GatewayService)}
    assert routes == listed
