"""The served OpenAPI document matches the gateway's routes, says the input rule, and
advertises Idempotency-Key exactly on the routes whose service honours it."""
import uuid

from gateway.openapi import api_routes, openapi_path
from gateway.service import GatewayService

from .conftest import STRONG_PASSWORD, unique_email
from .test_clients_api import client_body, create_client
from .test_ledger_api import line, open_book, voucher, vouchers


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


# --------------------------------------------------------------------------- Idempotency-Key: advertised = honoured

def _advertised(doc):
    return {(path, method) for path, ops in doc["paths"].items() for method, op in ops.items()
            if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in op.get("parameters", []))}


def _idempotent_requests(admin):
    """For each route that advertises Idempotency-Key: how to send it once."""
    path, _ = open_book(admin)
    client_id = path.rsplit("/", 1)[1]
    cash = voucher("2026-01-03", line("1001", debit="300.00"), line("3001", credit="300.00"))
    resp = admin.post(path + "/templates", {"name": "计提房租", "lines": [
        {"summary": "房租", "account": "5602", "side": "debit", "amount": "100.00"},
        {"summary": "房租", "account": "1001", "side": "credit", "amount": "100.00"}]})
    assert resp.status_code == 201, resp.text
    template_id = resp.json()["id"]
    csv = ("日期,凭证字,凭证号,摘要,科目编码,借方金额,贷方金额\n"
           "2026-01-05,记,1,提现,1001,300.00,\n2026-01-05,记,1,提现,3001,,300.00\n").encode("utf-8")
    user = {"name": "重试会计", "email": unique_email("retry"), "password": STRONG_PASSWORD, "roles": ["accountant"]}
    other = create_client(admin)
    return {
        ("/api/v1/users", "post"): dict(json_body=user),
        ("/api/v1/clients", "post"): dict(json_body=client_body()),
        ("/api/v1/clients/{client_id}/books", "post"): dict(
            url=f"/api/v1/clients/{other['id']}/books",
            json_body={"standard": "small_business_2013", "start_period": "2026-01"}),
        ("/api/v1/clients/{client_id}/vouchers", "post"): dict(json_body=cash),
        ("/api/v1/clients/{client_id}/vouchers/batch", "post"): dict(json_body={"vouchers": [cash, cash]}),
        ("/api/v1/clients/{client_id}/vouchers/import", "post"): dict(
            files={"file": ("凭证.csv", csv, "text/csv")}),
        ("/api/v1/clients/{client_id}/templates/{template_id}/voucher", "post"): dict(
            url=f"{path}/templates/{template_id}/voucher", json_body={"date": "2026-01-20"}),
        ("/api/v1/clients/{client_id}/periods/{period}/accrue", "post"): dict(
            url=f"{path}/periods/2026-01/accrue",
            json_body={"template": "计提工资", "amounts": {"management": "1200.00"}}),
        ("/api/v1/batch-close", "post"): dict(json_body={"period": "2026-01", "client_ids": [client_id]}),
    }, client_id


def test_idempotency_key_is_advertised_exactly_where_a_retry_returns_the_first_reply(platform, agency_admin):
    doc = agency_admin.get("/api/v1/openapi.json").json()
    advertised = _advertised(doc)
    requests_by_route, client_id = _idempotent_requests(agency_admin)
    assert advertised == set(requests_by_route), "a route advertises Idempotency-Key without a retry test here"
    for (path, method), how in requests_by_route.items():
        how = dict(how)
        url = how.pop("url", path.replace("{client_id}", client_id))
        key = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
        first = agency_admin.request(method.upper(), url, headers=key, **how)
        assert 200 <= first.status_code < 300, (path, first.status_code, first.text)
        again = agency_admin.request(method.upper(), url, headers=key, **how)
        assert (again.status_code, again.json()) == (first.status_code, first.json()), (path, again.text)
    # routes that do not honour the key do not advertise it
    for path, method in [("/api/v1/clients/{client_id}/contacts", "post"), ("/api/v1/auth/login", "post"),
                         ("/api/v1/clients/{client_id}/vouchers/{voucher_id}/post", "post"),
                         ("/api/v1/clients/{client_id}/status", "post")]:
        assert method in doc["paths"][path] and (path, method) not in advertised


def test_a_retry_after_the_first_reply_creates_nothing_more(platform, agency_admin):
    path, _ = open_book(agency_admin)
    body = voucher("2026-01-03", line("1001", debit="1.00"), line("3001", credit="1.00"))
    for _ in range(3):
        resp = agency_admin.post(path + "/vouchers", body, headers={"Idempotency-Key": "the-same-voucher"})
        assert resp.status_code == 201, resp.text
    assert vouchers(agency_admin, path)["total"] == 1


def test_the_served_document_says_the_input_rule(platform, anon):
    doc = anon.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/clients/{client_id}/vouchers/{voucher_id}"]["get"]
    assert {p["name"]: p["schema"] for p in op["parameters"]}["voucher_id"] == {"type": "string", "format": "uuid"}
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/VoucherReply")
    assert op["responses"]["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
