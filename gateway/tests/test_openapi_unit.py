"""gateway.openapi: the OpenAPI 3 document generated from the gateway's routes."""
import json
import re

import pytest
from marshmallow import Schema, fields
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from openapi_spec_validator import validate

from gateway.http import ApiRoute, api
from gateway.openapi import api_routes, build_openapi, openapi_path
from gateway.service import GatewayService

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.mark.parametrize("url, expected", [
    ("/a/<user_id>", "/a/{user_id}"),
    ("/a/<int:n>/<path:rest>", "/a/{n}/{rest}"),
    ("/api/v1/users/<user_id>/logins", "/api/v1/users/{user_id}/logins"),
    ("/api/v1/me/sessions/<string:session_id>", "/api/v1/me/sessions/{session_id}"),
    ("/x/<uuid:a>-<float:b>", "/x/{a}-{b}"),
    ("/plain/path", "/plain/path"),
    ("/", "/"),
])
def test_openapi_path(url, expected):
    assert openapi_path(url) == expected


@pytest.fixture(scope="module")
def doc():
    return build_openapi(GatewayService, "https://suanpan.example.com")


def operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in METHODS:
                yield path, method, op


def test_document_is_valid_openapi_3(doc):
    assert doc["openapi"].startswith("3.")
    validate(doc)  # raises on any schema violation
    json.dumps(doc, ensure_ascii=False)  # plain JSON all the way down


def test_info_servers_and_components(doc):
    assert doc["info"]["title"] == "Suanpan 算盘 API"
    assert doc["info"]["version"]
    assert doc["servers"] == [{"url": "https://suanpan.example.com"}]
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer",
                                                              "bearerFormat": "JWT"}
    assert set(doc["components"]["schemas"]["Error"]["properties"]["error"]["required"]) == {
        "code", "message", "message_en", "details"}
    assert "servers" not in build_openapi(GatewayService) or build_openapi(GatewayService)["servers"] == []


def test_paths_are_exactly_the_documented_routes(doc):
    routes = {(openapi_path(route.url), route.method.lower()) for _, route in api_routes(GatewayService)}
    documented = {(path, method) for path, method, _ in operations(doc)}
    assert documented == routes
    assert len(routes) >= 20
    for path in doc["paths"]:
        assert "<" not in path and ">" not in path


def test_every_operation_has_id_summary_and_responses(doc):
    ids = []
    by_key = {(openapi_path(r.url), r.method.lower()): (name, r) for name, r in api_routes(GatewayService)}
    for path, method, op in operations(doc):
        name, route = by_key[(path, method)]
        assert op["operationId"] == name
        assert op["summary"] and op["summary"] == route.summary
        assert isinstance(op["tags"], list)
        assert str(route.status) in op["responses"]
        assert "400" in op["responses"] and "503" in op["responses"]
        for response in op["responses"].values():
            assert response["description"]
        ids.append(op["operationId"])
    assert len(ids) == len(set(ids))  # operationIds are unique


def test_security_follows_public(doc):
    by_key = {(openapi_path(r.url), r.method.lower()): r for _, r in api_routes(GatewayService)}
    secured = public = 0
    for path, method, op in operations(doc):
        route = by_key[(path, method)]
        if route.public:
            public += 1
            assert "security" not in op, (path, method)
            assert "401" not in op["responses"]
        else:
            secured += 1
            assert op["security"] == [{"bearer": []}], (path, method)
            assert {"401", "403"} <= set(op["responses"])
        if route.rate_limit:
            assert "429" in op["responses"]
    assert secured and public
    assert "security" not in doc["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in doc["paths"]["/api/v1/openapi.json"]["get"]
    assert doc["paths"]["/api/v1/users"]["post"]["security"] == [{"bearer": []}]


def test_request_bodies_reference_component_schemas(doc):
    schemas = doc["components"]["schemas"]
    by_key = {(openapi_path(r.url), r.method.lower()): r for _, r in api_routes(GatewayService)}
    with_body = 0
    for path, method, op in operations(doc):
        route = by_key[(path, method)]
        if route.upload:
            content = op["requestBody"]["content"]
            assert content["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
            continue
        if route.body_schema is None:
            assert "requestBody" not in op
            continue
        with_body += 1
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        ref = schema["$ref"]
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas
        assert op["requestBody"]["required"] is True
    assert with_body >= 10
    login = schemas[doc["paths"]["/api/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"]
                    ["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"login", "password"} <= set(login["required"])


def test_path_and_header_parameters(doc):
    for path, method, op in operations(doc):
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert names == set(re.findall(r"{([^}]+)}", path)), (path, method)
        for param in op.get("parameters", []):
            if param["in"] == "path":
                assert param["required"] is True
    create = doc["paths"]["/api/v1/users"]["post"]
    assert {"name": "Idempotency-Key", "in": "header"}.items() <= next(
        p for p in create["parameters"] if p["in"] == "header").items()
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert all(p["in"] != "header" for p in login.get("parameters", []))  # public POSTs take no key
    users = doc["paths"]["/api/v1/users"]["get"]
    assert {"page", "page_size"} <= {p["name"] for p in users["parameters"] if p["in"] == "query"}


def test_api_routes_excludes_the_catch_all():
    routes = api_routes(GatewayService)
    assert all(route.documented for _, route in routes)
    assert not any(route.url == "/api/<path:rest>" for _, route in routes)
    # it does exist on the class, just undocumented
    catch_all = [getattr(GatewayService, name) for name in dir(GatewayService)
                 if any(isinstance(e, ApiRoute) and not e.documented
                        for e in getattr(getattr(GatewayService, name), ENTRYPOINT_EXTENSIONS_ATTR, ()))]
    assert len(catch_all) == 1
    assert routes == sorted(routes, key=lambda item: (item[1].url, item[1].method))


def test_build_is_deterministic():
    assert build_openapi(GatewayService) == build_openapi(GatewayService)


class ThingSchema(Schema):
    name = fields.String(required=True)


class PageSchema(Schema):
    page = fields.Integer()


class Tiny:
    name = "tiny"

    @api("GET", "/api/v1/things/<int:thing_id>/parts/<path:part>", public=True, summary="部件 / A part",
         tags=("T",), description="Longer text")
    def get_part(self, req):
        return {}

    @api("POST", "/api/v1/things", status=201, body=ThingSchema, query=PageSchema, rate_limit="auth",
         summary="新建 / Create", responses={201: "Created"}, idempotent=True)
    def create_thing(self, req):
        return 201, {}

    @api("GET,POST", "/api/<path:rest>", public=True, summary="未知路径", documented=False)
    def not_found(self, req, rest):
        return {}


def test_small_service_document():
    doc = build_openapi(Tiny)
    validate(doc)
    assert set(doc["paths"]) == {"/api/v1/things/{thing_id}/parts/{part}", "/api/v1/things"}
    part = doc["paths"]["/api/v1/things/{thing_id}/parts/{part}"]["get"]
    assert part["operationId"] == "get_part" and part["description"] == "Longer text"
    assert [p["name"] for p in part["parameters"]] == ["thing_id", "part"]
    assert "security" not in part
    create = doc["paths"]["/api/v1/things"]["post"]
    assert create["responses"]["201"]["description"] == "Created"
    assert "429" in create["responses"]
    assert create["security"] == [{"bearer": []}]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert {p["name"] for p in create["parameters"]} == {"page", "Idempotency-Key"}
    assert "servers" not in doc or doc["servers"] == []


def test_small_service_without_idempotency_advertises_no_key():
    class Plain:
        @api("POST", "/api/v1/things/<thing_id>/touch", summary="触碰 / Touch")
        def touch(self, req):
            return {}

    op = build_openapi(Plain)["paths"]["/api/v1/things/{thing_id}/touch"]["post"]
    assert [p["name"] for p in op["parameters"]] == ["thing_id"]
    assert op["parameters"][0]["schema"] == {"type": "string", "format": "uuid"}


def test_idempotency_key_only_where_the_service_honours_it(doc):
    advertised = {(path, method) for path, method, op in operations(doc)
                  if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in op.get("parameters", []))}
    honoured = {(openapi_path(r.url), r.method.lower()) for _, r in api_routes(GatewayService) if r.idempotent}
    assert advertised == honoured
    assert ("/api/v1/clients/{client_id}/vouchers", "post") in advertised
    assert ("/api/v1/clients/{client_id}/contacts", "post") not in advertised
    assert ("/api/v1/clients/{client_id}/vouchers/{voucher_id}/post", "post") not in advertised


def test_path_ids_are_uuids_and_periods_have_a_pattern(doc):
    for path, method, op in operations(doc):
        for param in op.get("parameters", []):
            if param["in"] == "path" and param["name"].endswith("_id"):
                assert param["schema"] == {"type": "string", "format": "uuid"}, (path, param)
    close = doc["paths"]["/api/v1/clients/{client_id}/periods/{period}/close"]["post"]
    period = next(p for p in close["parameters"] if p["name"] == "period")
    assert period["schema"]["pattern"] == "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$"


def component(doc, ref):
    return doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_money_dates_and_ids_say_their_format(doc):
    voucher_post = doc["paths"]["/api/v1/clients/{client_id}/vouchers"]["post"]
    voucher = component(doc, voucher_post["requestBody"]["content"]["application/json"]["schema"])
    assert voucher["properties"]["date"]["format"] == "date"
    line = component(doc, voucher["properties"]["lines"]["items"])
    assert line["properties"]["debit"]["type"] == "string"
    assert line["properties"]["debit"]["pattern"] == r"^-?[0-9]{1,18}(\.[0-9]{1,2})?$"
    assert line["properties"]["debit"]["nullable"] is True
    assert "nullable" not in line["properties"]["summary"]
    contract = component(doc, doc["paths"]["/api/v1/clients/{client_id}/contracts"]["post"]["requestBody"]
                         ["content"]["application/json"]["schema"])
    assert contract["properties"]["fee"]["pattern"] == r"^[0-9]{1,18}(\.[0-9]{1,2})?$"
    book = component(doc, doc["paths"]["/api/v1/clients/{client_id}/books"]["post"]["requestBody"]
                     ["content"]["application/json"]["schema"])
    assert book["properties"]["start_period"]["pattern"] == "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$"
    assign = component(doc, doc["paths"]["/api/v1/clients/{client_id}/assignments/{role}"]["put"]["requestBody"]
                       ["content"]["application/json"]["schema"])
    assert assign["properties"]["user_id"] == {"type": "string", "format": "uuid"}


def test_not_null_columns_are_not_nullable_in_the_document(doc):
    account = component(doc, doc["paths"]["/api/v1/clients/{client_id}/accounts/{code}"]["patch"]["requestBody"]
                        ["content"]["application/json"]["schema"])
    assert "nullable" not in account["properties"]["name"]
    aux = component(doc, doc["paths"]["/api/v1/clients/{client_id}/aux-items/{item_id}"]["patch"]["requestBody"]
                    ["content"]["application/json"]["schema"])
    assert "nullable" not in aux["properties"]["code"] and "nullable" not in aux["properties"]["name"]


def test_replies_have_schemas(doc):
    by_key = {(openapi_path(r.url), r.method.lower()): r for _, r in api_routes(GatewayService)}
    for path, method, op in operations(doc):
        route = by_key[(path, method)]
        success = op["responses"][str(route.status)]
        if route.status == 204:
            assert "content" not in success
        else:
            (media, body), = success["content"].items()
            assert body["schema"], (path, method)
        for status, response in op["responses"].items():
            if status == "default" or status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    voucher = doc["paths"]["/api/v1/clients/{client_id}/vouchers/{voucher_id}"]["get"]["responses"]["200"]
    reply = component(doc, voucher["content"]["application/json"]["schema"])
    assert reply["properties"]["id"]["format"] == "uuid" and reply["properties"]["total"]["type"] == "string"
    export = doc["paths"]["/api/v1/clients/export"]["get"]["responses"]["200"]["content"]
    assert list(export) == ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]


def test_query_integers_are_integers_with_their_limits(doc):
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/clients/{client_id}/journal"]["get"]["parameters"]}
    assert params["page_size"]["type"] == "integer" and params["page_size"]["maximum"] == 1000
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/users"]["get"]["parameters"]}
    assert params["page_size"]["maximum"] == 200
