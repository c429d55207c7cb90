"""The served OpenAPI document matches the gateway's routes."""
from gateway.openapi import api_routes, openapi_path
from gateway.service import GatewayService


def test_openapi_lists_exactly_the_routes(platform, anon):
    doc = anon.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routes = {(openapi_path(route.url), route.method) for _, route in api_routes(GatewayService)}
    assert documented == routes
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["operationId"]
            # every documented route answers (no 404/405 from the router)
            probe = path.replace("{user_id}", "00000000-0000-0000-0000-000000000000").replace(
                "{session_id}", "00000000-0000-0000-0000-000000000000")
            resp = anon.request(method.upper(), probe, json_body={} if method in ("post", "patch", "put") else None)
            assert resp.status_code != 405 and resp.json().get("error", {}).get("code") != "ROUTE_NOT_FOUND", (path, method)
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    schema_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"login", "password"} <= set(schema["required"])
