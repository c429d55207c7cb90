"""Registration, sign-in, tokens and sessions through the gateway over HTTP."""
import time

import pyotp

from .conftest import STRONG_PASSWORD, Api, assert_error, create_user, read_codes, register_agency, unique_email, \
    unique_phone


def test_register_confirm_and_sign_in(platform, anon):
    email = unique_email("boss")
    resp = anon.post("/api/v1/agencies", {"agency_name": "碑林区财税服务", "name": "赵会计", "email": email,
                                          "password": STRONG_PASSWORD})
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["sent_to"] != email and "@" in body["sent_to"]  # masked
    code = read_codes(platform, email)[-1]
    assert code not in resp.text  # the code only goes to the mailbox

    # signing in before confirming does not work
    assert_error(anon.post("/api/v1/auth/login", {"login": email, "password": STRONG_PASSWORD}), 401,
                 "INVALID_CREDENTIALS")
    wrong = "000000" if code != "000000" else "111111"
    err = assert_error(anon.post("/api/v1/auth/verify", {"registration_id": body["registration_id"], "code": wrong}),
                       400, "CODE_WRONG")
    assert err["details"]["tries_left"] == 4
    resp = anon.post("/api/v1/auth/verify", {"registration_id": body["registration_id"], "code": code})
    assert resp.status_code == 201, resp.text
    assert resp.json()["user"]["roles"] == ["admin"]
    assert resp.json()["agency"]["name"] == "碑林区财税服务"
    # a second confirmation is refused
    assert_error(anon.post("/api/v1/auth/verify", {"registration_id": body["registration_id"], "code": code}),
                 409, "REGISTRATION_COMPLETED")

    admin = Api(anon.base)
    tokens = admin.login(email, STRONG_PASSWORD)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = admin.get("/api/v1/me").json()
    assert me["email"] == email and me["roles"] == ["admin"] and me["agency"]["name"] == "碑林区财税服务"
    assert "users.manage" in me["permissions"] and me["password_change_due"] is False


def test_registration_by_phone_and_code_tries(platform, anon):
    phone = unique_phone()
    resp = anon.post("/api/v1/agencies", {"agency_name": "雁塔代账", "name": "钱出纳", "phone": phone,
                                          "password": STRONG_PASSWORD})
    assert resp.status_code == 202, resp.text
    assert resp.json()["sent_to"].startswith(phone[:3]) and "****" in resp.json()["sent_to"]
    registration_id = resp.json()["registration_id"]
    code = read_codes(platform, phone)[-1]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        anon.post("/api/v1/auth/verify", {"registration_id": registration_id, "code": wrong})
    # five wrong tries use the code up: even the right one is refused now
    assert_error(anon.post("/api/v1/auth/verify", {"registration_id": registration_id, "code": code}), 429,
                 "CODE_EXHAUSTED")


def test_registration_refuses_weak_password_and_taken_login(platform, anon, agency_admin):
    err = assert_error(anon.post("/api/v1/agencies", {"agency_name": "新城代账", "name": "孙会计",
                                                      "email": unique_email(), "password": "password"}),
                       400, "PASSWORD_POLICY")
    assert err["details"]["fields"]["password"]
    assert_error(anon.post("/api/v1/agencies", {"agency_name": "新城代账", "name": "孙会计",
                                                "email": agency_admin.email, "password": STRONG_PASSWORD}),
                 409, "LOGIN_TAKEN")


def test_refresh_rotates_and_reuse_revokes_the_family(platform, agency_admin):
    first_refresh = agency_admin.refresh_token
    resp = agency_admin.as_anonymous().post("/api/v1/auth/refresh", {"refresh_token": first_refresh})
    assert resp.status_code == 200, resp.text
    second = resp.json()
    assert second["refresh_token"] != first_refresh
    # presenting the already-rotated token again: theft signal, the whole session ends
    assert_error(agency_admin.as_anonymous().post("/api/v1/auth/refresh", {"refresh_token": first_refresh}),
                 401, "REFRESH_TOKEN_REUSED")
    assert_error(agency_admin.as_anonymous().post("/api/v1/auth/refresh",
                                                  {"refresh_token": second["refresh_token"]}), 401)
    # and its access tokens stop working at the gateway (session_revoked event)
    fresh = Api(agency_admin.base, token=second["access_token"], ip=agency_admin.ip)
    deadline = time.time() + 5
    while time.time() < deadline and fresh.get("/api/v1/me").status_code == 200:
        time.sleep(0.1)
    assert_error(fresh.get("/api/v1/me"), 401, "SESSION_REVOKED")
    log = agency_admin.get("/api/v1/audit-log", params={"action": "session.refresh_token_reused"})
    # the admin's own session was the one revoked: sign in again to look
    agency_admin.login(agency_admin.email, STRONG_PASSWORD)
    log = agency_admin.get("/api/v1/audit-log", params={"action": "session.refresh_token_reused"}).json()
    assert log["total"] == 1


def test_logout_ends_the_session(platform, agency_admin):
    other = Api(agency_admin.base)
    other.login(agency_admin.email, STRONG_PASSWORD)
    sessions = other.get("/api/v1/me/sessions").json()["items"]
    assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
    assert other.post("/api/v1/auth/logout", {}).status_code == 204
    deadline = time.time() + 5
    while time.time() < deadline and other.get("/api/v1/me").status_code == 200:
        time.sleep(0.1)
    assert_error(other.get("/api/v1/me"), 401, "SESSION_REVOKED")
    assert_error(other.as_anonymous().post("/api/v1/auth/refresh", {"refresh_token": other.refresh_token}), 401)
    assert agency_admin.get("/api/v1/me").status_code == 200  # the other session lives on
    assert len(agency_admin.get("/api/v1/me/sessions").json()["items"]) == 1


def test_end_one_of_my_sessions(platform, agency_admin):
    laptop = Api(agency_admin.base)
    laptop.login(agency_admin.email, STRONG_PASSWORD)
    mine = {s["id"]: s for s in agency_admin.get("/api/v1/me/sessions").json()["items"]}
    laptop_session = next(sid for sid, s in mine.items() if not s["current"])
    assert agency_admin.delete(f"/api/v1/me/sessions/{laptop_session}").status_code == 204
    assert_error(agency_admin.delete("/api/v1/me/sessions/not-a-session"), 404, "SESSION_NOT_FOUND")
    assert_error(laptop.as_anonymous().post("/api/v1/auth/refresh", {"refresh_token": laptop.refresh_token}), 401)


def test_password_change_and_reset(platform, agency_admin):
    staff = create_user(agency_admin, ["accountant"])
    new_password = "Qujiang$Books88"
    assert_error(staff.post("/api/v1/auth/password/change", {"current_password": "wrong-Pass1!",
                                                             "new_password": new_password}), 400, "WRONG_PASSWORD")
    resp = staff.post("/api/v1/auth/password/change", {"current_password": STRONG_PASSWORD,
                                                       "new_password": new_password})
    assert resp.status_code == 200, resp.text
    assert_error(staff.as_anonymous().post("/api/v1/auth/login", {"login": staff.email, "password": STRONG_PASSWORD}),
                 401, "INVALID_CREDENTIALS")
    Api(staff.base).login(staff.email, new_password)

    # forgot: the same answer for an unknown login
    anon = staff.as_anonymous()
    known = anon.post("/api/v1/auth/password/forgot", {"login": staff.email})
    unknown = anon.post("/api/v1/auth/password/forgot", {"login": unique_email("nobody")})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    code = read_codes(platform, staff.email)[-1]
    reset_password = "Lianhu%Tax2027"
    resp = anon.post("/api/v1/auth/password/reset", {"login": staff.email, "code": code,
                                                     "new_password": reset_password})
    assert resp.status_code == 200, resp.text
    assert_error(anon.post("/api/v1/auth/password/reset", {"login": staff.email, "code": code,
                                                           "new_password": "Another$Pass99"}), 400)
    Api(staff.base).login(staff.email, reset_password)
    actions = {e["action"] for e in agency_admin.get("/api/v1/audit-log", params={"target_id": staff.user["id"]}).json()["items"]}
    assert {"password.changed", "password.reset", "password.reset_requested"} <= actions


def test_mfa_enrol_login_and_recovery(platform, agency_admin):
    user = create_user(agency_admin, ["supervisor"])
    enrol = user.post("/api/v1/me/mfa/enrol", {}).json()
    assert enrol["otpauth_uri"].startswith("otpauth://totp/")
    assert enrol["qr_png"].startswith("data:image/png;base64,")
    totp = pyotp.TOTP(enrol["secret"])
    assert_error(user.post("/api/v1/me/mfa/confirm", {"otp": "000000" if totp.now() != "000000" else "111111"}),
                 400, "OTP_INVALID")
    confirmed = user.post("/api/v1/me/mfa/confirm", {"otp": totp.now()}).json()
    assert len(confirmed["recovery_codes"]) == 10

    anon = user.as_anonymous()
    step = anon.post("/api/v1/auth/login", {"login": user.email, "password": STRONG_PASSWORD}).json()
    assert step["mfa_required"] is True and "access_token" not in step
    # the mfa token is no access token
    assert_error(Api(user.base, token=step["mfa_token"]).get("/api/v1/me"), 401)
    resp = anon.post("/api/v1/auth/login/mfa", {"mfa_token": step["mfa_token"],
                                                "recovery_code": confirmed["recovery_codes"][0]})
    assert resp.status_code == 200, resp.text
    assert "access_token" in resp.json()
    # a recovery code works once
    step = anon.post("/api/v1/auth/login", {"login": user.email, "password": STRONG_PASSWORD}).json()
    assert_error(anon.post("/api/v1/auth/login/mfa", {"mfa_token": step["mfa_token"],
                                                      "recovery_code": confirmed["recovery_codes"][0]}),
                 401, "INVALID_CREDENTIALS")
    time.sleep(max(0.0, 30 - time.time() % 30 + 0.5))  # the next TOTP step: a code is used once only
    resp = anon.post("/api/v1/auth/login", {"login": user.email, "password": STRONG_PASSWORD, "otp": totp.now()})
    assert resp.status_code == 200 and "access_token" in resp.json(), resp.text
    signed_in = Api(user.base, token=resp.json()["access_token"])
    assert signed_in.get("/api/v1/me").json()["mfa_enabled"] is True
    assert_error(signed_in.post("/api/v1/me/mfa/disable", {"password": "Wrong#Pass123", "otp": totp.now()}),
                 400, "WRONG_PASSWORD")
    assert signed_in.post("/api/v1/me/mfa/disable", {"password": STRONG_PASSWORD,
                                                     "recovery_code": confirmed["recovery_codes"][1]}).status_code == 200
    assert "access_token" in anon.post("/api/v1/auth/login", {"login": user.email, "password": STRONG_PASSWORD}).json()


def test_agency_mfa_policy_limits_tokens_until_enrolled(platform, anon):
    admin = register_agency(platform, anon)
    staff = create_user(admin, ["accountant"])
    assert admin.patch("/api/v1/agency", {"mfa_required": True}).json()["mfa_required"] is True
    staff.login(staff.email, STRONG_PASSWORD)
    assert staff.get("/api/v1/me").json()["mfa_enrolment_required"] is True
    assert_error(staff.get("/api/v1/users"), 403, "MFA_ENROLMENT_REQUIRED")
    enrol = staff.post("/api/v1/me/mfa/enrol", {}).json()
    assert staff.post("/api/v1/me/mfa/confirm", {"otp": pyotp.TOTP(enrol["secret"]).now()}).status_code == 200


def test_login_history_flags_new_devices(platform, agency_admin):
    other_device = Api(agency_admin.base, ip="203.0.113.77")
    other_device.login(agency_admin.email, STRONG_PASSWORD)
    history = agency_admin.get("/api/v1/me/logins").json()
    assert history["total"] >= 2
    newest = history["items"][0]
    assert newest["ip"] == "203.0.113.77" and newest["success"] is True and newest["new_device"] is True
    assert "@" in newest["login"] and newest["login"] != agency_admin.email


def test_owner_is_told_of_new_device_and_password_changes(platform, agency_admin):
    import json
    from pathlib import Path

    def subjects():
        lines = Path(platform.dev_outbox()).read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["subject"] for line in lines if json.loads(line)["to"] == agency_admin.email]

    Api(agency_admin.base, ip="198.51.100.9").login(agency_admin.email, STRONG_PASSWORD)
    assert any("新设备登录" in s for s in subjects())
    resp = agency_admin.post("/api/v1/auth/password/change", {"current_password": STRONG_PASSWORD,
                                                              "new_password": "Changan#Books2027"})
    assert resp.status_code == 200, resp.text
    assert any("密码已修改" in s for s in subjects())
