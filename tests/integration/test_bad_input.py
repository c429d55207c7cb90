"""Bad input gets a clear 4xx with a code, never a 500."""
import base64
import json

import requests

from .conftest import STRONG_PASSWORD, assert_error, create_user, unique_email
from .test_clients_api import client_body, create_client
from .test_ledger_api import line, open_book, voucher, vouchers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_no_token_or_a_tampered_token_is_401(platform, agency_admin):
    base = agency_admin.base
    assert_error(requests.get(base + "/api/v1/me"), 401, "TOKEN_MISSING")
    assert_error(requests.get(base + "/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "TOKEN_MISSING")
    assert_error(requests.get(base + "/api/v1/me", headers={"Authorization": "Bearer not.a.token"}), 401)
    header, payload, signature = agency_admin.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["admin", "supervisor"]
    claims["agency"] = "00000000-0000-0000-0000-000000000000"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_error(requests.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}),
                 401, "TOKEN_INVALID")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    assert_error(requests.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {none_header}.{payload}."}), 401)


def test_malformed_and_invalid_bodies_are_400(platform, agency_admin):
    base = agency_admin.base + "/api/v1"
    auth = {"Authorization": f"Bearer {agency_admin.token}", "Content-Type": "application/json"}
    assert_error(requests.post(base + "/users", data="{not json", headers=auth), 400, "MALFORMED_JSON")
    assert_error(requests.post(base + "/users", data="[1, 2]", headers=auth), 400, "MALFORMED_JSON")
    assert_error(requests.post(base + "/users", data=b"\xff\xfe", headers=auth), 400, "MALFORMED_JSON")
    assert_error(requests.post(base + "/users", data="name=x", headers={**auth, "Content-Type": "text/plain"}), 415)
    err = assert_error(agency_admin.post("/api/v1/users", {"name": 5, "email": "not-an-email", "password": True,
                                                           "roles": "admin", "surprise": 1}), 400, "VALIDATION_FAILED")
    assert {"name", "email", "password", "roles", "surprise"} <= set(err["details"]["fields"])
    err = assert_error(agency_admin.post("/api/v1/users", {"name": "x", "email": unique_email(),
                                                           "password": STRONG_PASSWORD, "roles": ["king"]}), 400)
    assert "roles" in err["details"]["fields"]
    assert_error(agency_admin.post("/api/v1/users", {"name": "x" * 51, "email": unique_email(),
                                                     "password": STRONG_PASSWORD, "roles": ["admin"]}), 400)
    assert_error(agency_admin.get("/api/v1/users", params={"page": "abc"}), 400, "VALIDATION_FAILED")
    assert_error(agency_admin.get("/api/v1/users", params={"page_size": "100000"}), 400)
    assert_error(agency_admin.get("/api/v1/audit-log", params={"since": "yesterday"}), 400)
    assert_error(agency_admin.get("/api/v1/users/not-a-uuid"), 404)
    assert_error(agency_admin.post("/api/v1/auth/login", {"login": "x", "password": "y"}), 400)
    assert_error(agency_admin.post("/api/v1/auth/login", {"login": "nobody-here", "password": "y"}), 400)
    assert_error(agency_admin.post("/api/v1/auth/verify", {"registration_id": "abc", "code": "12"}), 400)
    assert_error(agency_admin.post("/api/v1/auth/refresh", {"refresh_token": 12345}), 400)


def test_oversized_body_is_413(platform, agency_admin):
    big = {"name": "x", "padding": "y" * (1024 * 1024 + 10)}
    assert_error(agency_admin.post("/api/v1/users", big), 413, "PAYLOAD_TOO_LARGE")


def test_unknown_paths_and_methods_are_json(platform, agency_admin):
    assert_error(agency_admin.get("/api/v1/nothing-here"), 404, "ROUTE_NOT_FOUND")
    assert_error(agency_admin.delete("/api/v1/agency"), 404)


# --------------------------------------------------------------------------- the edge (gateway) and the one input rule

def test_control_characters_in_a_query_string_are_400_naming_the_parameter(platform, agency_admin):
    for path, name in [("/api/v1/clients?q=a%00b", "q"), ("/api/v1/users?q=a%00b", "q"),
                       ("/api/v1/audit-log?action=a%00b", "action"), ("/api/v1/users?q=%ED%A0%80", "q"),
                       ("/api/v1/books?page=1%1b", "page"), ("/api/v1/clients?q=%FF", "q")]:
        error = assert_error(agency_admin.get(path), 400, "VALIDATION_FAILED")
        assert error["details"] == {"in": "query", "fields": {name: error["details"]["fields"][name]}}, error


def test_query_integers_are_ascii_digits_and_each_route_keeps_its_own_page_size(platform, agency_admin):
    assert agency_admin.get("/api/v1/users", params={"page_size": "200"}).status_code == 200
    error = assert_error(agency_admin.get("/api/v1/users", params={"page_size": "201"}), 400, "VALIDATION_FAILED")
    assert "page_size" in error["details"]["fields"]
    assert agency_admin.get("/api/v1/books", params={"page_size": "500"}).status_code == 200
    assert_error(agency_admin.get("/api/v1/books", params={"page_size": "501"}), 400)
    assert_error(agency_admin.get("/api/v1/users", params={"page": "２"}), 400, "VALIDATION_FAILED")
    assert_error(agency_admin.get("/api/v1/users", params={"page": " 2"}), 400, "VALIDATION_FAILED")


def test_a_patch_without_a_body_is_400(platform, agency_admin):
    client = create_client(agency_admin)
    for path in ["/api/v1/agency", f"/api/v1/users/{agency_admin.user['id']}", f"/api/v1/clients/{client['id']}",
                 f"/api/v1/clients/{client['id']}/book"]:
        assert_error(agency_admin.request("PATCH", path), 400, "BODY_REQUIRED")


def test_an_idempotency_key_is_bounded(platform, agency_admin):
    body = {"name": "x", "email": unique_email(), "password": STRONG_PASSWORD, "roles": ["assistant"]}
    assert_error(agency_admin.post("/api/v1/users", body, headers={"Idempotency-Key": "k" * 201}), 400,
                 "IDEMPOTENCY_KEY_INVALID")
    assert_error(agency_admin.post("/api/v1/users", body, headers={"Idempotency-Key": "a key"}), 400,
                 "IDEMPOTENCY_KEY_INVALID")
    assert agency_admin.post("/api/v1/users", body, headers={"Idempotency-Key": "k" * 200}).status_code == 201


def test_nul_and_lone_surrogates_in_a_body_are_400_naming_the_field(platform, agency_admin):
    error = assert_error(agency_admin.post("/api/v1/clients", client_body(name="西安\u0000商贸")), 400)
    assert "name" in error["details"]["fields"]
    raw = json.dumps(client_body()).replace('"short_name": "', '"short_name": "\\ud800', 1)
    error = assert_error(requests.post(agency_admin.base + "/api/v1/clients", data=raw.encode("ascii"), headers={
        "Authorization": f"Bearer {agency_admin.token}", "Content-Type": "application/json"}), 400)
    assert "short_name" in error["details"]["fields"]
    error = assert_error(requests.post(agency_admin.base + "/api/v1/clients", data=b'{"\\ud800": 1}', headers={
        "Authorization": f"Bearer {agency_admin.token}", "Content-Type": "application/json"}), 400)
    assert error["details"]["fields"]  # the unknown field's name comes back escaped, not as a 500


def test_amounts_are_json_strings_and_numbers_are_refused(platform, agency_admin):
    path, _ = open_book(agency_admin)
    for debit in (100.5, 100, "１００.００", " 100.00 ", "100.001", "1000000000000000000.00"):
        body = voucher("2026-01-20", line("1001", debit=debit), line("3001", credit="100.00"))
        error = assert_error(agency_admin.post(path + "/vouchers", body), 400, "VALIDATION_FAILED")
        assert "lines" in error["details"]["fields"], (debit, error)
    for day in ("2026-1-5", "２０２６-01-20", " 2026-01-20"):
        body = voucher(day, line("1001", debit="1.00"), line("3001", credit="1.00"))
        assert "date" in assert_error(agency_admin.post(path + "/vouchers", body), 400)["details"]["fields"]
    assert vouchers(agency_admin, path)["total"] == 0


def test_null_only_where_the_column_takes_it(platform, agency_admin):
    path, _ = open_book(agency_admin)
    resp = agency_admin.post(path + "/aux-items", {"kind": "customer", "code": "C001", "name": "客户甲"})
    assert resp.status_code == 201, resp.text
    item = resp.json()
    for field in ("code", "name"):
        error = assert_error(agency_admin.patch(f"{path}/aux-items/{item['id']}", {field: None}), 400)
        assert field in error["details"]["fields"]
    error = assert_error(agency_admin.patch(path + "/accounts/1001", {"name": None}), 400)
    assert "name" in error["details"]["fields"]


def test_names_refuse_bidi_overrides_and_zero_width_characters(platform, agency_admin):
    for name in ("西安\u202e商贸", "西安\u200b商贸"):
        error = assert_error(agency_admin.post("/api/v1/clients", client_body(name=name)), 400)
        assert "name" in error["details"]["fields"]


def test_an_empty_upload_is_refused_after_the_permission_check(platform, agency_admin):
    """The gateway passes an empty file on; the service checks the permission first."""
    path, _ = open_book(agency_admin)
    assistant = create_user(agency_admin, ["assistant"])  # may not import clients
    empty = {"file": ("客户.xlsx", b"", XLSX)}
    assert_error(assistant.request("POST", "/api/v1/clients/import", files=empty), 403)
    assert_error(agency_admin.request("POST", "/api/v1/clients/import", files=empty), 400, "FILE_EMPTY")
    assert_error(agency_admin.request("POST", path + "/vouchers/import", files={"file": ("凭证.csv", b"", "text/csv")}),
                 400, "FILE_EMPTY")


def test_a_malformed_id_in_the_path_is_404(platform, agency_admin):
    body = {"date": "2026-01-20", "lines": []}
    assert_error(agency_admin.post("/api/v1/clients/not-a-uuid/vouchers", body), 404)
    assert_error(agency_admin.post("/api/v1/clients/%00/vouchers", body), 400, "VALIDATION_FAILED")
