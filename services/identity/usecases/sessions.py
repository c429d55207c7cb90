"""Signing in and out: login (with lockout and MFA), refresh rotation with reuse
detection, logout, listing and ending sessions."""
from datetime import timedelta

from servicekit.errors import Forbidden, NotFound, Unauthorized
from servicekit.ids import new_id, valid_uuid
from servicekit.service import Refusal
from servicekit.tokens import issue_access_token, issue_mfa_token

from .. import events
from ..domain import logins as login_rules
from ..domain.lockout import lockout_key, raise_if_locked, register_failure
from ..domain.mfa import match_recovery_code, verify_totp
from ..domain.notify import classify_login, mask_login, new_device_login_email
from ..domain.passwords import password_change_due
from ..domain.sessions import RefreshOutcome, RefreshTokenState, decide_refresh, hash_refresh_token, new_refresh_token
from ..metrics import LOCKOUTS, LOGINS, SESSIONS_REVOKED
from ..repository import agencies, logins, sessions, users
from .common import audit_own, verify_dummy_password, verify_password
from .views import login_view, session_view

INVALID_CREDENTIALS = dict(code="INVALID_CREDENTIALS", message="账号或密码错误",
                           message_en="Wrong login or password")


# -- lockout state, stored per normalised login ---------------------------
def _lock_state(call, key):
    since = call.now - call.settings.lockout.window - call.settings.lockout.lock_duration
    return logins.lock_state(call.session, key, since)


def _count_failure(call, key):
    """Store the failure; return True when it just locked the login."""
    logins.serialise(call.session, key)
    failures, locked_until = _lock_state(call, key)
    outcome = register_failure(failures, call.now, call.settings.lockout, locked_until=locked_until)
    logins.replace_failures(call.session, key, outcome.failures)
    if outcome.locked_until is not None:
        logins.lock(call.session, key, outcome.locked_until)
    return outcome.just_locked


def _history(call, *, user, masked_login, success, reason=None):
    LOGINS.labels("success" if success else reason).inc()
    new_device = False
    if success and user is not None:
        new_device = login_rules.is_new_device(call.ip, call.user_agent, logins.recent_devices(call.session, user.id))
    logins.record(call.session, agency_id=user.agency_id if user else None, user_id=user.id if user else None,
                  login=masked_login, at=call.now, ip=call.ip, user_agent=call.user_agent, success=success,
                  reason=reason, new_device=new_device)
    return new_device


def _refuse_failure(call, *, key, user, masked_login, reason):
    """Count a failed attempt, record it, and answer without saying whether the login exists."""
    just_locked = _count_failure(call, key)
    _history(call, user=user, masked_login=masked_login, success=False, reason=reason)
    if just_locked:
        LOCKOUTS.inc()
    if user is not None:
        audit_own(call, user, "login.failed", reason=reason)
        if just_locked:
            audit_own(call, user, "login.locked", minutes=int(call.settings.lockout.lock_duration.total_seconds() // 60))
    return Refusal(Unauthorized(**INVALID_CREDENTIALS))


def _check_locked(call, key, user, masked_login):
    failures, locked_until = _lock_state(call, key)
    try:
        raise_if_locked(failures, call.now, call.settings.lockout, locked_until=locked_until)
    except Exception as error:  # Locked
        _history(call, user=user, masked_login=masked_login, success=False, reason=login_rules.LOCKED)
        if user is not None:
            audit_own(call, user, "login.refused_locked")
        return Refusal(error)
    return None


def _check_totp(call, user, otp, *, key, masked_login):
    """None when `otp` is right (its time step is kept, so it works once), else the refusal."""
    step = verify_totp(call.deps.cipher.decrypt(user.mfa_secret, f"mfa:{user.id}"), otp, call.now, user.mfa_last_step)
    if step is None:
        return _refuse_failure(call, key=key, user=user, masked_login=masked_login, reason=login_rules.WRONG_OTP)
    users.change(call.session, user.id, mfa_last_step=step)
    return None


# -- sessions and tokens ----------------------------------------------------
def _tokens_for(call, user, session_id, refresh_token, agency):
    extra = {}
    if agency.mfa_required and not user.mfa_enabled:
        extra["mfa_enrol"] = True  # the gateway lets such a token only enrol MFA
    access, expires_in = issue_access_token(
        call.deps.signer.private_key, call.deps.signer.kid, user_id=user.id, agency_id=user.agency_id,
        roles=list(user.roles), session_id=session_id, client_id=user.client_id, now=call.now,
        ttl_seconds=call.settings.access_token_ttl, extra=extra or None)
    return {
        "access_token": access, "refresh_token": refresh_token, "token_type": "Bearer",
        "expires_in": expires_in,
        "password_change_due": password_change_due(user.password_changed_at, call.now,
                                                   call.settings.password_max_age_days),
        "mfa_enrolment_required": bool(extra),
    }


def _open_session(call, user, agency, key, masked_login, method):
    session_id = new_id()
    sessions.add(call.session, id=session_id, agency_id=user.agency_id, user_id=user.id, created_at=call.now,
                 last_used_at=call.now, expires_at=call.now + call.settings.sessions.absolute_lifetime, ip=call.ip,
                 user_agent=call.user_agent)
    token, token_hash = new_refresh_token()
    sessions.add_refresh_token(call.session, token_hash, session_id, call.now)
    logins.clear(call.session, key)
    new_device = _history(call, user=user, masked_login=masked_login, success=True)
    audit_own(call, user, "login.succeeded", session_id=session_id, method=method, new_device=new_device)
    if new_device and user.email:
        # tell the owner: a sign-in they don't recognise is the moment to change the password
        call.deps.senders.email.send(user.email, *new_device_login_email(
            call.now, call.ip, login_rules.device_fingerprint(call.user_agent)))
    reply = _tokens_for(call, user, session_id, token, agency)
    reply["new_device"] = new_device
    return reply


def login(call, payload):
    kind, value = classify_login(payload["login"])
    key = lockout_key(payload["login"])
    masked_login = mask_login(kind, value)
    user = users.by_login(call.session, kind, value)
    locked = _check_locked(call, key, user, masked_login)
    if locked:
        return locked
    if user is None:
        verify_dummy_password(payload["password"])  # same time as a real check: no user enumeration
        return _refuse_failure(call, key=key, user=None, masked_login=masked_login, reason=login_rules.UNKNOWN_LOGIN)
    if not verify_password(user.password_hash, payload["password"]):
        return _refuse_failure(call, key=key, user=user, masked_login=masked_login, reason=login_rules.WRONG_PASSWORD)
    if user.disabled:
        _history(call, user=user, masked_login=masked_login, success=False, reason=login_rules.DISABLED)
        audit_own(call, user, "login.refused_disabled")
        return Refusal(Forbidden(code="ACCOUNT_DISABLED", message="账号已停用，请联系机构管理员",
                                 message_en="This account is disabled; ask your agency admin"))
    agency = agencies.load(call.session, user.agency_id)
    if user.mfa_enabled:
        if not payload.get("otp"):
            _history(call, user=user, masked_login=masked_login, success=False, reason=login_rules.MFA_REQUIRED)
            token, _ = issue_mfa_token(call.deps.signer.private_key, call.deps.signer.kid, user_id=user.id,
                                       agency_id=user.agency_id, now=call.now, extra={"login_key": key})
            return {"mfa_required": True, "mfa_token": token}
        refused = _check_totp(call, user, payload["otp"], key=key, masked_login=masked_login)
        if refused:
            return refused
    return _open_session(call, user, agency, key, masked_login, "password+totp" if user.mfa_enabled else "password")


def login_mfa(call, payload):
    claims = call.deps.signer.verifier.verify_mfa(payload["mfa_token"])
    user = users.get(call.session, claims["sub"], for_update=True)
    if user is None or user.disabled or not user.mfa_enabled:
        raise Unauthorized(code="MFA_TOKEN_INVALID", message="二次验证已失效，请重新登录",
                           message_en="The MFA step has expired; sign in again")
    key = claims["login_key"]
    masked_login = mask_login("email", user.email) if user.email else mask_login("phone", user.phone)
    locked = _check_locked(call, key, user, masked_login)
    if locked:
        return locked
    method = "password+totp"
    if payload.get("otp"):
        refused = _check_totp(call, user, payload["otp"], key=key, masked_login=masked_login)
        if refused:
            return refused
    else:
        hashes = list(user.recovery_code_hashes or [])
        index = match_recovery_code(payload["recovery_code"], hashes)
        if index is None:
            return _refuse_failure(call, key=key, user=user, masked_login=masked_login, reason=login_rules.WRONG_OTP)
        del hashes[index]  # one use only
        users.change(call.session, user.id, recovery_code_hashes=hashes)
        audit_own(call, user, "mfa.recovery_code_used", remaining=len(hashes))
        method = "password+recovery_code"
    return _open_session(call, user, agencies.load(call.session, user.agency_id), key, masked_login, method)


def revoke_sessions(call, session_ids, *, user, reason):
    """End sessions and tell the gateways (session_revoked) at once."""
    session_ids = [str(s) for s in session_ids]
    if not session_ids:
        return []
    ended = sessions.revoke(call.session, session_ids, call.now, reason)
    if ended:
        SESSIONS_REVOKED.labels(reason).inc(len(ended))
        events.session_revoked(call.session, user, ended, reason)
    return ended


def revoke_all_sessions(call, user, reason, keep=None):
    return revoke_sessions(call, sessions.unrevoked_ids(call.session, user.id, keep), user=user, reason=reason)


def refresh(call, payload):
    token_hash = hash_refresh_token(payload["refresh_token"])
    row = sessions.refresh_token_for_update(call.session, token_hash)
    if row is None:
        raise Unauthorized(code="REFRESH_TOKEN_INVALID", message="刷新令牌无效，请重新登录",
                           message_en="Invalid refresh token; sign in again")
    user = users.get(call.session, row.user_id)
    status = "rotated" if row.rotated_at is not None else "revoked" if row.revoked_at is not None else "active"
    decision = decide_refresh(
        RefreshTokenState(status, row.last_used_at + call.settings.sessions.idle_timeout, row.expires_at),
        call.now, call.settings.sessions)
    if decision.outcome is RefreshOutcome.REUSE_DETECTED:
        # a rotated token came back: someone holds a copy; end the whole family
        revoke_sessions(call, [row.session_id], user=user, reason="refresh_token_reused")
        audit_own(call, user, "session.refresh_token_reused", session_id=row.session_id)
        return Refusal(decision.error())
    if decision.outcome is RefreshOutcome.EXPIRED:
        revoke_sessions(call, [row.session_id], user=user, reason=decision.reason)
        return Refusal(decision.error())
    if decision.outcome is not RefreshOutcome.ROTATE:
        return Refusal(decision.error())
    if user.disabled:
        revoke_sessions(call, [row.session_id], user=user, reason="disabled")
        return Refusal(Unauthorized(code="SESSION_REVOKED", message="会话已失效，请重新登录",
                                    message_en="The session was ended, please sign in again"))
    sessions.mark_rotated(call.session, token_hash, call.now)
    token, new_hash = new_refresh_token()
    sessions.add_refresh_token(call.session, new_hash, row.session_id, call.now)
    sessions.touch(call.session, row.session_id, call.now)
    return _tokens_for(call, user, row.session_id, token, agencies.load(call.session, user.agency_id))


def logout(call, payload):
    user = users.current(call.session, call.auth)
    revoke_sessions(call, [call.auth.session_id], user=user, reason="logout")
    audit_own(call, user, "logout", session_id=call.auth.session_id)
    return {}


def my_sessions(call):
    rows = sessions.live_of(call.session, call.auth.user_id, call.now, call.settings.sessions.idle_timeout)
    return {"items": [session_view(r, call.auth.session_id) for r in rows]}


def revoke_my_session(call, session_id):
    user = users.current(call.session, call.auth)
    if not (valid_uuid(session_id) and sessions.is_owned(call.session, session_id, user.id)):
        raise NotFound(code="SESSION_NOT_FOUND", message="会话不存在", message_en="No such session")
    revoke_sessions(call, [session_id], user=user, reason="ended_by_user")
    audit_own(call, user, "session.ended", session_id=session_id)
    return {}


def logins_of(call, user_id, query):
    page, size = query["page"], query["page_size"]
    total, rows = logins.page(call.session, user_id, page=page, size=size)
    return {"items": [login_view(r) for r in rows], "total": total, "page": page, "page_size": size}


def my_logins(call, query):
    return logins_of(call, call.auth.user_id, query)


def public_auth_state(call):
    """What a gateway needs to check tokens without calling us: the public keys and
    the sessions ended while their access tokens may still be alive."""
    since = call.now - timedelta(seconds=call.settings.access_token_ttl + 60)
    return {"jwks": call.deps.signer.jwks, "revoked_sessions": sessions.revoked_since(call.session, since),
            "access_token_ttl": call.settings.access_token_ttl}
