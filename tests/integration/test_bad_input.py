"""Bad input gets a clear 4xx with a code, never a 500."""
import base64
import json

import requests

from .conftest import STRONG_PASSWORD, assert_error, unique_email


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
