"""Signing in and out: login (with lockout and MFA), refresh rotation with reuse
detection, logout, listing and ending sessions."""
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from servicekit.errors import Forbidden, NotFound, Unauthorized

from .. import audit
from ..domain import logins as login_rules
from ..domain.lockout import lockout_key, raise_if_locked, register_failure
from ..domain.mfa import match_recovery_code, verify_totp
from ..domain.notify import classify_login, mask_email, mask_phone, new_device_login_email
from ..domain.passwords import password_change_due
from servicekit.tokens import issue_access_token, issue_mfa_token

from ..domain.sessions import RefreshOutcome, RefreshTokenState, decide_refresh, hash_refresh_token, new_refresh_token
from ..metrics import LOCKOUTS, LOGINS, SESSIONS_REVOKED
from ..tables import login_failures, login_history, login_locks, refresh_tokens, sessions, users
from .common import Refusal, current_user, load_agency, new_id, valid_uuid, verify_dummy_password, verify_password
from .views import login_view, session_view

INVALID_CREDENTIALS = dict(code="INVALID_CREDENTIALS", message="账号或密码错误",
                           message_en="Wrong login or password")


def _masked(kind, value):
    return mask_email(value) if kind == "email" else mask_phone(value)


def _find_user_by_login(call, kind, value):
    column = users.c.email if kind == "email" else users.c.phone
    return call.session.execute(select(users).where(column == value)).first()


# -- lockout state, stored per normalised login ---------------------------
def _lock_state(call, key):
    since = call.now - call.settings.lockout.window - call.settings.lockout.lock_duration
    failures = [r.failed_at for r in call.session.execute(
        select(login_failures.c.failed_at).where(login_failures.c.login_key == key,
                                                 login_failures.c.failed_at > since))]
    locked_until = call.session.execute(
        select(login_locks.c.locked_until).where(login_locks.c.login_key == key)).scalar()
    return failures, locked_until


def _count_failure(call, key):
    """Store the failure; return True when it just locked the login."""
    # serialise attempts on one login so two parallel guesses cannot both slip under the limit
    call.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
    failures, locked_until = _lock_state(call, key)
    outcome = register_failure(failures, call.now, call.settings.lockout, locked_until=locked_until)
    call.session.execute(delete(login_failures).where(login_failures.c.login_key == key))
    if outcome.failures:
        call.session.execute(login_failures.insert(), [{"login_key": key, "failed_at": t} for t in outcome.failures])
    if outcome.locked_until is not None:
        call.session.execute(insert(login_locks).values(login_key=key, locked_until=outcome.locked_until)
                             .on_conflict_do_update(index_elements=["login_key"],
                                                    set_={"locked_until": outcome.locked_until}))
    return outcome.just_locked


def _clear_failures(call, key):
    call.session.execute(delete(login_failures).where(login_failures.c.login_key == key))
    call.session.execute(delete(login_locks).where(login_locks.c.login_key == key))


def _history(call, *, user, masked_login, success, reason=None):
    LOGINS.labels("success" if success else reason).inc()
    new_device = False
    if success and user is not None:
        previous = call.session.execute(
            select(login_history.c.ip, login_history.c.user_agent)
            .where(login_history.c.user_id == user.id, login_history.c.success.is_(True))
            .order_by(login_history.c.at.desc()).limit(200)).all()
        new_device = login_rules.is_new_device(call.ip, call.user_agent,
                                               [(r.ip, r.user_agent) for r in previous])
    call.session.execute(login_history.insert().values(
        agency_id=user.agency_id if user else None, user_id=user.id if user else None,
        login=masked_login, at=call.now, ip=call.ip, user_agent=call.user_agent,
        success=success, reason=reason, new_device=new_device))
    return new_device


def _audit_user(call, user, action, **details):
    audit.append(call.session, agency_id=user.agency_id, action=action, actor_id=user.id,
                 actor_name=user.name, target_type="user", target_id=user.id, ip=call.ip,
                 user_agent=call.user_agent, details=details, occurred_at=call.now)


def _refuse_failure(call, *, key, user, masked_login, reason):
    """Count a failed attempt, record it, and answer without saying whether the login exists."""
    just_locked = _count_failure(call, key)
    _history(call, user=user, masked_login=masked_login, success=False, reason=reason)
    if just_locked:
        LOCKOUTS.inc()
    if user is not None:
        _audit_user(call, user, "login.failed", reason=reason)
        if just_locked:
            _audit_user(call, user, "login.locked",
                        minutes=int(call.settings.lockout.lock_duration.total_seconds() // 60))
    return Refusal(Unauthorized(**INVALID_CREDENTIALS))


def _check_locked(call, key, user, masked_login):
    failures, locked_until = _lock_state(call, key)
    try:
        raise_if_locked(failures, call.now, call.settings.lockout, locked_until=locked_until)
    except Exception as error:  # Locked
        _history(call, user=user, masked_login=masked_login, success=False, reason=login_rules.LOCKED)
        if user is not None:
            _audit_user(call, user, "login.refused_locked")
        return Refusal(error)
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
    call.session.execute(sessions.insert().values(
        id=session_id, agency_id=user.agency_id, user_id=user.id, created_at=call.now,
        last_used_at=call.now, expires_at=call.now + call.settings.sessions.absolute_lifetime, ip=call.ip,
        user_agent=call.user_agent))
    token, token_hash = new_refresh_token()
    call.session.execute(refresh_tokens.insert().values(token_hash=token_hash, session_id=session_id,
                                                        issued_at=call.now))
    _clear_failures(call, key)
    new_device = _history(call, user=user, masked_login=masked_login, success=True)
    _audit_user(call, user, "login.succeeded", session_id=session_id, method=method, new_device=new_device)
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
    masked_login = _masked(kind, value)
    user = _find_user_by_login(call, kind, value)
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
        _audit_user(call, user, "login.refused_disabled")
        return Refusal(Forbidden(code="ACCOUNT_DISABLED", message="账号已停用，请联系机构管理员",
                                 message_en="This account is disabled; ask your agency admin"))
    agency = load_agency(call, user.agency_id)
    if user.mfa_enabled:
        if not payload.get("otp"):
            _history(call, user=user, masked_login=masked_login, success=False, reason=login_rules.MFA_REQUIRED)
            token, _ = issue_mfa_token(call.deps.signer.private_key, call.deps.signer.kid, user_id=user.id,
                                       agency_id=user.agency_id, now=call.now, extra={"login_key": key})
            return {"mfa_required": True, "mfa_token": token}
        step = verify_totp(call.deps.cipher.decrypt(user.mfa_secret, f"mfa:{user.id}"), payload["otp"],
                           call.now, user.mfa_last_step)
        if step is None:
            return _refuse_failure(call, key=key, user=user, masked_login=masked_login, reason=login_rules.WRONG_OTP)
        call.session.execute(update(users).where(users.c.id == user.id).values(mfa_last_step=step))
    return _open_session(call, user, agency, key, masked_login, "password+totp" if user.mfa_enabled else "password")


def login_mfa(call, payload):
    claims = call.deps.signer.verifier.verify_mfa(payload["mfa_token"])
    user = call.session.execute(select(users).where(users.c.id == claims["sub"]).with_for_update()).first()
    if user is None or user.disabled or not user.mfa_enabled:
        raise Unauthorized(code="MFA_TOKEN_INVALID", message="二次验证已失效，请重新登录",
                           message_en="The MFA step has expired; sign in again")
    key = claims["login_key"]
    masked_login = mask_email(user.email) if user.email else mask_phone(user.phone)
    locked = _check_locked(call, key, user, masked_login)
    if locked:
        return locked
    method = "password+totp"
    if payload.get("otp"):
        step = verify_totp(call.deps.cipher.decrypt(user.mfa_secret, f"mfa:{user.id}"), payload["otp"],
                           call.now, user.mfa_last_step)
        if step is None:
            return _refuse_failure(call, key=key, user=user, masked_login=masked_login, reason=login_rules.WRONG_OTP)
        call.session.execute(update(users).where(users.c.id == user.id).values(mfa_last_step=step))
    else:
        hashes = list(user.recovery_code_hashes or [])
        index = match_recovery_code(payload["recovery_code"], hashes)
        if index is None:
            return _refuse_failure(call, key=key, user=user, masked_login=masked_login, reason=login_rules.WRONG_OTP)
        del hashes[index]  # one use only
        call.session.execute(update(users).where(users.c.id == user.id).values(recovery_code_hashes=hashes))
        _audit_user(call, user, "mfa.recovery_code_used", remaining=len(hashes))
        method = "password+recovery_code"
    return _open_session(call, user, load_agency(call, user.agency_id), key, masked_login, method)


def revoke_sessions(call, session_ids, *, user, reason):
    """End sessions and tell the gateways (session_revoked) at once."""
    session_ids = [str(s) for s in session_ids]
    if not session_ids:
        return []
    ended = [r.id for r in call.session.execute(
        update(sessions).where(sessions.c.id.in_(session_ids), sessions.c.revoked_at.is_(None))
        .values(revoked_at=call.now, revoked_reason=reason).returning(sessions.c.id))]
    if ended:
        SESSIONS_REVOKED.labels(reason).inc(len(ended))
        call.publish("session_revoked", {"session_ids": ended, "user_id": user.id, "reason": reason},
                     agency_id=user.agency_id, aggregate_id=user.id)
    return ended


def revoke_all_sessions(call, user, reason, keep=None):
    ids = [r.id for r in call.session.execute(
        select(sessions.c.id).where(sessions.c.user_id == user.id, sessions.c.revoked_at.is_(None),
                                    sessions.c.id != (keep or "00000000-0000-0000-0000-000000000000")))]
    return revoke_sessions(call, ids, user=user, reason=reason)


def refresh(call, payload):
    token_hash = hash_refresh_token(payload["refresh_token"])
    row = call.session.execute(
        select(refresh_tokens, sessions.c.user_id, sessions.c.revoked_at, sessions.c.last_used_at,
               sessions.c.expires_at)
        .join(sessions, sessions.c.id == refresh_tokens.c.session_id)
        .where(refresh_tokens.c.token_hash == token_hash).with_for_update()).first()
    if row is None:
        raise Unauthorized(code="REFRESH_TOKEN_INVALID", message="刷新令牌无效，请重新登录",
                           message_en="Invalid refresh token; sign in again")
    user = call.session.execute(select(users).where(users.c.id == row.user_id)).one()
    status = "rotated" if row.rotated_at is not None else "revoked" if row.revoked_at is not None else "active"
    decision = decide_refresh(
        RefreshTokenState(status, row.last_used_at + call.settings.sessions.idle_timeout, row.expires_at),
        call.now, call.settings.sessions)
    if decision.outcome is RefreshOutcome.REUSE_DETECTED:
        # a rotated token came back: someone holds a copy; end the whole family
        revoke_sessions(call, [row.session_id], user=user, reason="refresh_token_reused")
        _audit_user(call, user, "session.refresh_token_reused", session_id=row.session_id)
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
    call.session.execute(update(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
                         .values(rotated_at=call.now))
    token, new_hash = new_refresh_token()
    call.session.execute(refresh_tokens.insert().values(token_hash=new_hash, session_id=row.session_id,
                                                        issued_at=call.now))
    call.session.execute(update(sessions).where(sessions.c.id == row.session_id).values(last_used_at=call.now))
    return _tokens_for(call, user, row.session_id, token, load_agency(call, user.agency_id))


def logout(call, payload):
    user = current_user(call)
    revoke_sessions(call, [call.auth.session_id], user=user, reason="logout")
    _audit_user(call, user, "logout", session_id=call.auth.session_id)
    return {}


def my_sessions(call):
    rows = call.session.execute(
        select(sessions).where(sessions.c.user_id == call.auth.user_id, sessions.c.revoked_at.is_(None),
                               sessions.c.expires_at > call.now,
                               sessions.c.last_used_at > call.now - call.settings.sessions.idle_timeout)
        .order_by(sessions.c.last_used_at.desc())).all()
    return {"items": [session_view(r, call.auth.session_id) for r in rows]}


def revoke_my_session(call, session_id):
    user = current_user(call)
    owned = call.session.execute(select(sessions.c.id).where(
        sessions.c.id == session_id, sessions.c.user_id == user.id)).first() if valid_uuid(session_id) else None
    if owned is None:
        raise NotFound(code="SESSION_NOT_FOUND", message="会话不存在", message_en="No such session")
    revoke_sessions(call, [session_id], user=user, reason="ended_by_user")
    _audit_user(call, user, "session.ended", session_id=session_id)
    return {}


def logins_of(call, user_id, query):
    page, size = query["page"], query["page_size"]
    where = login_history.c.user_id == user_id
    total = call.session.execute(select(func.count()).select_from(login_history).where(where)).scalar()
    rows = call.session.execute(select(login_history).where(where).order_by(login_history.c.at.desc(),
                                                                            login_history.c.id.desc())
                                .offset((page - 1) * size).limit(size)).all()
    return {"items": [login_view(r) for r in rows], "total": total, "page": page, "page_size": size}


def public_auth_state(call):
    """What a gateway needs to check tokens without calling us: the public keys and
    the sessions ended while their access tokens may still be alive."""
    since = call.now - timedelta(seconds=call.settings.access_token_ttl + 60)
    revoked = [r.id for r in call.session.execute(
        select(sessions.c.id).where(sessions.c.revoked_at > since))]
    return {"jwks": call.deps.signer.jwks, "revoked_sessions": revoked,
            "access_token_ttl": call.settings.access_token_ttl}
