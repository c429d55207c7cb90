"""Tenant isolation and the permission matrix, through the gateway."""
import uuid

from .conftest import STRONG_PASSWORD, assert_error, create_user, register_agency, unique_email
from .test_clients_api import create_client


def test_agency_a_can_never_read_or_change_agency_b(platform, anon):
    a = register_agency(platform, anon, name="甲代账公司")
    b = register_agency(platform, anon, name="乙代账公司")
    b_staff = create_user(b, ["accountant"])
    b_id = b_staff.user["id"]

    assert {u["id"] for u in a.get("/api/v1/users").json()["items"]} == {a.user["id"]}
    assert_error(a.get(f"/api/v1/users/{b_id}"), 404, "USER_NOT_FOUND")
    assert_error(a.patch(f"/api/v1/users/{b_id}", {"roles": ["admin"]}), 404)
    assert_error(a.patch(f"/api/v1/users/{b_id}", {"disabled": True}), 404)
    assert_error(a.post(f"/api/v1/users/{b_id}/revoke-sessions", {}), 404)
    assert_error(a.get(f"/api/v1/users/{b_id}/logins"), 404)
    assert a.get("/api/v1/agency").json()["id"] == a.agency["id"]
    a.patch("/api/v1/agency", {"name": "甲代账公司（新）"})
    assert b.get("/api/v1/agency").json()["name"] == "乙代账公司"
    assert all(e["target_id"] != b_id for e in a.get("/api/v1/audit-log", params={"page_size": 200}).json()["items"])
    # b's user is untouched
    assert b.get(f"/api/v1/users/{b_id}").json()["roles"] == ["accountant"]
    assert b_staff.get("/api/v1/me").status_code == 200


def test_staff_roles_cannot_manage_users(platform, agency_admin):
    for role in ("accountant", "assistant", "supervisor", "client"):
        # a client user belongs to one of the agency's own client companies
        extra = {"client_id": create_client(agency_admin)["id"]} if role == "client" else {}
        user = create_user(agency_admin, [role], **extra)
        assert_error(user.post("/api/v1/users", {"name": "新人", "email": unique_email(), "password": STRONG_PASSWORD,
                                                 "roles": ["admin"]}), 403, "FORBIDDEN")
        assert_error(user.patch(f"/api/v1/users/{user.user['id']}", {"roles": ["admin"]}), 403)
        assert_error(user.patch(f"/api/v1/users/{agency_admin.user['id']}", {"disabled": True}), 403)
        assert_error(user.get("/api/v1/audit-log"), 403)
        assert_error(user.patch("/api/v1/agency", {"mfa_required": True}), 403)
        if role == "supervisor":
            assert user.get("/api/v1/users").status_code == 200  # may look, not change
        else:
            assert_error(user.get("/api/v1/users"), 403)
        assert user.get("/api/v1/me").json()["roles"] == [role]


def test_admin_changes_roles_and_disables(platform, agency_admin):
    staff = create_user(agency_admin, ["assistant"])
    uid = staff.user["id"]
    resp = agency_admin.patch(f"/api/v1/users/{uid}", {"roles": ["accountant", "assistant"]})
    assert resp.status_code == 200 and resp.json()["roles"] == ["accountant", "assistant"]
    # a role change ends the user's sessions: tokens carry roles
    assert_error(staff.as_anonymous().post("/api/v1/auth/refresh", {"refresh_token": staff.refresh_token}), 401)
    staff.login(staff.email, STRONG_PASSWORD)
    assert staff.get("/api/v1/me").json()["roles"] == ["accountant", "assistant"]

    assert agency_admin.patch(f"/api/v1/users/{uid}", {"disabled": True}).json()["disabled"] is True
    assert_error(staff.as_anonymous().post("/api/v1/auth/login", {"login": staff.email, "password": STRONG_PASSWORD}),
                 403, "ACCOUNT_DISABLED")
    assert agency_admin.patch(f"/api/v1/users/{uid}", {"disabled": False}).json()["disabled"] is False
    staff.login(staff.email, STRONG_PASSWORD)

    assert_error(agency_admin.patch(f"/api/v1/users/{agency_admin.user['id']}", {"roles": ["accountant"]}), 409,
                 "CANNOT_CHANGE_SELF")
    assert_error(agency_admin.patch(f"/api/v1/users/{uid}", {"roles": ["client", "accountant"]}), 400, "ROLES_INVALID")
    actions = [e["action"] for e in agency_admin.get("/api/v1/audit-log", params={"target_id": uid}).json()["items"]]
    assert {"user.created", "user.roles_changed", "user.disabled", "user.enabled"} <= set(actions)

    assert agency_admin.post(f"/api/v1/users/{uid}/revoke-sessions", {}).status_code == 204
    assert_error(staff.as_anonymous().post("/api/v1/auth/refresh", {"refresh_token": staff.refresh_token}), 401)


def test_create_user_is_idempotent(platform, agency_admin):
    body = {"name": "周助理", "email": unique_email("assistant"), "password": STRONG_PASSWORD, "roles": ["assistant"]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = agency_admin.post("/api/v1/users", body, headers=key)
    again = agency_admin.post("/api/v1/users", body, headers=key)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert_error(agency_admin.post("/api/v1/users", {**body, "name": "别人"}, headers=key), 409,
                 "IDEMPOTENCY_KEY_REUSED")
    # without the key the same email is simply taken
    assert_error(agency_admin.post("/api/v1/users", body), 409, "LOGIN_TAKEN")


def test_roles_and_permission_matrix_are_served(platform, agency_admin):
    roles = {r["role"]: r for r in agency_admin.get("/api/v1/roles").json()["items"]}
    assert roles["admin"]["label"] == "管理员" and "users.manage" in roles["admin"]["permissions"]
    assert "users.manage" not in roles["accountant"]["permissions"]
    assert roles["client"]["permissions"] == sorted(roles["client"]["permissions"])
