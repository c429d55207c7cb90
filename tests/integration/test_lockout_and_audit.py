"""Lockout after repeated failures, and the audit log with its hash chain."""
import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from scripts.platform import ROOT

from .conftest import STRONG_PASSWORD, Api, assert_error, create_user, unique_email


def test_sixth_wrong_password_finds_the_account_locked(platform, agency_admin):
    staff = create_user(agency_admin, ["accountant"])
    anon = Api(agency_admin.base)
    known = [anon.post("/api/v1/auth/login", {"login": staff.email, "password": "Wrong#Pass123"}) for _ in range(5)]
    for resp in known:
        assert_error(resp, 401, "INVALID_CREDENTIALS")
    err = assert_error(anon.post("/api/v1/auth/login", {"login": staff.email, "password": "Wrong#Pass123"}), 423,
                       "LOGIN_LOCKED")
    assert 0 < err["details"]["retry_after_seconds"] <= 15 * 60
    # even the right password is refused while locked
    assert_error(anon.post("/api/v1/auth/login", {"login": staff.email, "password": STRONG_PASSWORD}), 423)
    # an unknown login behaves exactly the same: nothing tells the two apart
    nobody = unique_email("ghost")
    answers = [anon.post("/api/v1/auth/login", {"login": nobody, "password": "Wrong#Pass123"}) for _ in range(6)]
    assert [r.status_code for r in answers] == [401] * 5 + [423]
    assert answers[0].json() == known[0].json()
    assert answers[5].json()["error"]["code"] == "LOGIN_LOCKED"

    log = agency_admin.get("/api/v1/audit-log", params={"target_id": staff.user["id"], "page_size": 50}).json()
    actions = [e["action"] for e in log["items"]]
    assert actions.count("login.failed") == 5
    assert "login.locked" in actions and "login.refused_locked" in actions
    failed = next(e for e in log["items"] if e["action"] == "login.failed")
    assert failed["ip"] == anon.ip and failed["details"]["reason"] == "WRONG_PASSWORD"
    history = agency_admin.get(f"/api/v1/users/{staff.user['id']}/logins").json()["items"]
    assert [h["reason"] for h in history[:2]] == ["LOCKED", "LOCKED"]


def test_audit_log_filters_pages_and_verifies(platform, agency_admin):
    for _ in range(3):
        create_user(agency_admin, ["assistant"])
    page1 = agency_admin.get("/api/v1/audit-log", params={"page_size": 2}).json()
    page2 = agency_admin.get("/api/v1/audit-log", params={"page_size": 2, "page": 2}).json()
    assert len(page1["items"]) == 2 and page1["total"] == page2["total"] >= 6
    assert page1["items"][0]["seq"] > page1["items"][1]["seq"] > page2["items"][0]["seq"]
    created = agency_admin.get("/api/v1/audit-log", params={"action": "user.created"}).json()
    assert created["total"] == 3 and all(e["actor_id"] == agency_admin.user["id"] for e in created["items"])
    assert agency_admin.get("/api/v1/audit-log/verify").json()["ok"] is True


def test_tampering_with_the_audit_log_is_detected(platform, agency_admin):
    create_user(agency_admin, ["assistant"])
    agency_id = agency_admin.agency["id"]
    engine = create_engine(platform.database_url("identity"))
    with engine.begin() as conn:
        # the table refuses edits ...
        try:
            conn.execute(text("UPDATE audit_log SET action = 'x' WHERE agency_id = :a"), {"a": agency_id})
            raised = False
        except Exception:  # noqa: BLE001
            raised = True
        assert raised
    with engine.begin() as conn:
        # ... so a tamperer must switch the guard off first; the chain still tells
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"))
        conn.execute(text("UPDATE audit_log SET details = '{\"roles\": [\"accountant\"]}' "
                          "WHERE agency_id = :a AND action = 'user.created'"), {"a": agency_id})
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete"))
    engine.dispose()
    result = agency_admin.get("/api/v1/audit-log/verify").json()
    assert result["ok"] is False and result["reason"] == "hash_mismatch" and result["first_bad_seq"] >= 1

    cli = subprocess.run([sys.executable, "-m", "services.identity.audit_verify", "--agency", agency_id],
                         cwd=ROOT, env={**os.environ, "DATABASE_URL": platform.database_url("identity")},
                         capture_output=True, text=True)
    assert cli.returncode == 1 and "BROKEN" in cli.stdout


def test_metrics_count_logins_and_entrypoints(platform, agency_admin):
    import requests

    text = requests.get(platform.url("identity") + "/metrics", timeout=5).text
    assert 'suanpan_identity_logins_total{outcome="success"}' in text
    assert 'suanpan_entrypoint_calls_total{entrypoint="login",outcome="ok",service="identity"}' in text
    assert "suanpan_outbox_backlog" in text
    gateway = requests.get(platform.url("gateway") + "/metrics", timeout=5).text
    assert 'suanpan_entrypoint_duration_seconds_bucket{entrypoint="login"' in gateway
    ready = requests.get(platform.url("identity") + "/readyz", timeout=5).json()
    assert ready == {"status": "ready", "checks": {"broker": True, "database": True}}
