"""Changing, forgetting and resetting passwords."""
from servicekit.errors import BadRequest
from servicekit.ids import new_id
from servicekit.service import Refusal

from ..domain.codes import CodeState, check_code, issue_code
from ..domain.lockout import lockout_key
from ..domain.notify import PURPOSE_RESET_PASSWORD, classify_login, password_changed_email
from ..domain.passwords import check_password_policy
from ..repository import audit, codes, logins, users
from .common import audit_own, hash_password, verify_password
from .registration import send_code
from .sessions import revoke_all_sessions

WRONG_CODE = dict(code="CODE_INVALID", message="验证码错误或已失效", message_en="Wrong or expired code")


def _user_by_login(call, login):
    return users.by_login(call.session, *classify_login(login))


def _set_password(call, user, new_password):
    check_password_policy(new_password, name=user.name, email=user.email, phone=user.phone)
    if verify_password(user.password_hash, new_password):
        raise BadRequest(code="PASSWORD_REUSED", message="新密码不能与当前密码相同",
                         message_en="The new password must differ from the current one")
    users.change(call.session, user.id, password_hash=hash_password(new_password), password_changed_at=call.now,
                 updated_at=call.now)


def _tell_password_changed(call, user):
    if user.email:
        call.deps.senders.email.send(user.email, *password_changed_email(call.now))


def change_password(call, payload):
    user = users.current(call.session, call.auth, for_update=True)
    if not verify_password(user.password_hash, payload["current_password"]):
        raise BadRequest(code="WRONG_PASSWORD", message="当前密码不正确", message_en="The current password is wrong",
                         details={"fields": {"current_password": ["当前密码不正确 / wrong password"]}})
    _set_password(call, user, payload["new_password"])
    # other devices must sign in again with the new password
    revoke_all_sessions(call, user, "password_changed", keep=call.auth.session_id)
    _tell_password_changed(call, user)
    audit_own(call, user, "password.changed")
    return {"password_changed_at": call.now.isoformat()}


def forgot_password(call, payload):
    """Same answer whether or not the login exists."""
    user = _user_by_login(call, payload["login"])
    if user is not None and not user.disabled:
        code, state = issue_code(call.now, call.settings.codes)
        codes.retire_resets(call.session, user.id, call.now)
        codes.add_reset(call.session, id=new_id(), user_id=user.id, code_hash=state.code_hash, code_salt=state.salt,
                        expires_at=state.expires_at, created_at=call.now)
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
    row = codes.live_reset_for_update(call.session, user.id) if user is not None else None
    if row is None:
        raise BadRequest(**WRONG_CODE)
    result = check_code(CodeState(row.code_hash, row.code_salt, row.expires_at, row.tries), payload["code"],
                        call.now, call.settings.codes)
    if not result.ok:
        codes.change_reset(call.session, row.id, tries=result.tries_used)
        return Refusal(result.error())
    _set_password(call, user, payload["new_password"])
    codes.change_reset(call.session, row.id, used_at=call.now)
    logins.clear(call.session, lockout_key(payload["login"]))
    revoke_all_sessions(call, user, "password_reset")
    _tell_password_changed(call, user)
    audit_own(call, user, "password.reset")
    return {"password_changed_at": call.now.isoformat()}
