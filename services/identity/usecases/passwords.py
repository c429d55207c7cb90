"""Changing, forgetting and resetting passwords."""
from sqlalchemy import select, update

from servicekit.errors import BadRequest

from .. import audit
from ..domain.codes import CodeState, check_code, issue_code
from ..domain.lockout import lockout_key
from ..domain.notify import PURPOSE_RESET_PASSWORD, classify_login, password_changed_email
from ..domain.passwords import check_password_policy
from ..tables import login_failures, login_locks, password_resets, users
from .common import Refusal, current_user, hash_password, new_id, verify_password
from .registration import send_code
from .sessions import revoke_all_sessions

WRONG_CODE = dict(code="CODE_INVALID", message="验证码错误或已失效", message_en="Wrong or expired code")


def _user_by_login(call, login):
    kind, value = classify_login(login)
    column = users.c.email if kind == "email" else users.c.phone
    return call.session.execute(select(users).where(column == value)).first()


def _set_password(call, user, new_password):
    check_password_policy(new_password, name=user.name, email=user.email, phone=user.phone)
    if verify_password(user.password_hash, new_password):
        raise BadRequest(code="PASSWORD_REUSED", message="新密码不能与当前密码相同",
                         message_en="The new password must differ from the current one")
    call.session.execute(update(users).where(users.c.id == user.id).values(
        password_hash=hash_password(new_password), password_changed_at=call.now, updated_at=call.now))


def _tell_password_changed(call, user):
    if user.email:
        call.deps.senders.email.send(user.email, *password_changed_email(call.now))


def change_password(call, payload):
    user = current_user(call, for_update=True)
    if not verify_password(user.password_hash, payload["current_password"]):
        raise BadRequest(code="WRONG_PASSWORD", message="当前密码不正确", message_en="The current password is wrong",
                         details={"fields": {"current_password": ["当前密码不正确 / wrong password"]}})
    _set_password(call, user, payload["new_password"])
    # other devices must sign in again with the new password
    revoke_all_sessions(call, user, "password_changed", keep=call.auth.session_id)
    _tell_password_changed(call, user)
    audit.append(call.session, agency_id=user.agency_id, action="password.changed", actor_id=user.id,
                 actor_name=user.name, target_type="user", target_id=user.id, ip=call.ip,
                 user_agent=call.user_agent, occurred_at=call.now)
    return {"password_changed_at": call.now.isoformat()}


def forgot_password(call, payload):
    """Same answer whether or not the login exists."""
    user = _user_by_login(call, payload["login"])
    if user is not None and not user.disabled:
        code, state = issue_code(call.now, call.settings.codes)
        call.session.execute(update(password_resets).where(password_resets.c.user_id == user.id,
                                                           password_resets.c.used_at.is_(None))
                             .values(used_at=call.now))  # one live code at a time
        call.session.execute(password_resets.insert().values(
            id=new_id(), user_id=user.id, code_hash=state.code_hash, code_salt=state.salt,
            expires_at=state.expires_at, created_at=call.now))
        kind, _ = classify_login(payload["login"])
        send_code(call, email=user.email if kind == "email" else None,
                  phone=user.phone if kind == "phone" else None, code=code, purpose=PURPOSE_RESET_PASSWORD)
        audit.append(call.session, agency_id=user.agency_id, action="password.reset_requested",
                     actor_id=None, target_type="user", target_id=user.id, ip=call.ip,
                     user_agent=call.user_agent, occurred_at=call.now)
    return {"sent": True, "message": "如果该账号存在，验证码已发送", "message_en": "If the account exists, a code was sent",
            "expires_in": int(call.settings.codes.ttl.total_seconds())}


def reset_password(call, payload):
    user = _user_by_login(call, payload["login"])
    row = None
    if user is not None:
        row = call.session.execute(
            select(password_resets).where(password_resets.c.user_id == user.id, password_resets.c.used_at.is_(None))
            .order_by(password_resets.c.created_at.desc()).limit(1).with_for_update()).first()
    if row is None:
        raise BadRequest(**WRONG_CODE)
    result = check_code(CodeState(row.code_hash, row.code_salt, row.expires_at, row.tries), payload["code"],
                        call.now, call.settings.codes)
    if not result.ok:
        call.session.execute(update(password_resets).where(password_resets.c.id == row.id)
                             .values(tries=result.tries_used))
        return Refusal(result.error())
    _set_password(call, user, payload["new_password"])
    call.session.execute(update(password_resets).where(password_resets.c.id == row.id)
                         .values(used_at=call.now))
    key = lockout_key(payload["login"])
    call.session.execute(login_failures.delete().where(login_failures.c.login_key == key))
    call.session.execute(login_locks.delete().where(login_locks.c.login_key == key))
    revoke_all_sessions(call, user, "password_reset")
    _tell_password_changed(call, user)
    audit.append(call.session, agency_id=user.agency_id, action="password.reset", actor_id=user.id,
                 actor_name=user.name, target_type="user", target_id=user.id, ip=call.ip,
                 user_agent=call.user_agent, occurred_at=call.now)
    return {"password_changed_at": call.now.isoformat()}
