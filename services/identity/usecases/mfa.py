"""TOTP multi-factor authentication: enrol, confirm (recovery codes), disable."""
import base64

from servicekit.errors import BadRequest, Conflict

from ..domain.mfa import (
    hash_recovery_codes, match_recovery_code, new_recovery_codes, new_totp_secret, provisioning_uri, qr_png,
    verify_totp,
)
from ..repository import agencies, users
from .common import audit_own, verify_password

WRONG_OTP = dict(code="OTP_INVALID", message="动态口令不正确", message_en="Wrong one-time code")


def _me(call):
    return users.current(call.session, call.auth, for_update=True)


def enrol(call):
    user = _me(call)
    if user.mfa_enabled:
        raise Conflict(code="MFA_ALREADY_ENABLED", message="已开启动态口令", message_en="MFA is already on")
    secret = new_totp_secret()
    users.change(call.session, user.id, mfa_secret=call.deps.cipher.encrypt(secret, f"mfa:{user.id}"),
                 mfa_last_step=None)
    uri = provisioning_uri(secret, user.email or user.phone)
    return {"secret": secret, "otpauth_uri": uri,
            "qr_png": "data:image/png;base64," + base64.b64encode(qr_png(uri)).decode()}


def confirm(call, payload):
    user = _me(call)
    if user.mfa_enabled:
        raise Conflict(code="MFA_ALREADY_ENABLED", message="已开启动态口令", message_en="MFA is already on")
    if not user.mfa_secret:
        raise Conflict(code="MFA_NOT_ENROLLED", message="请先开始绑定", message_en="Start enrolment first")
    step = verify_totp(call.deps.cipher.decrypt(user.mfa_secret, f"mfa:{user.id}"), payload["otp"], call.now)
    if step is None:
        raise BadRequest(**WRONG_OTP)
    codes = new_recovery_codes()
    users.change(call.session, user.id, mfa_enabled=True, mfa_last_step=step,
                 recovery_code_hashes=hash_recovery_codes(codes), updated_at=call.now)
    audit_own(call, user, "mfa.enabled")
    return {"mfa_enabled": True, "recovery_codes": codes,
            "message": "请妥善保存恢复码，每个只能使用一次", "message_en": "Keep the recovery codes safe; each works once"}


def disable(call, payload):
    user = _me(call)
    if not user.mfa_enabled:
        raise Conflict(code="MFA_NOT_ENABLED", message="未开启动态口令", message_en="MFA is not on")
    if agencies.load(call.session, user.agency_id).mfa_required:
        raise Conflict(code="MFA_REQUIRED_BY_POLICY", message="本机构要求开启动态口令",
                       message_en="Your agency requires MFA")
    if not verify_password(user.password_hash, payload["password"]):
        raise BadRequest(code="WRONG_PASSWORD", message="密码不正确", message_en="Wrong password")
    if payload.get("otp"):
        ok = verify_totp(call.deps.cipher.decrypt(user.mfa_secret, f"mfa:{user.id}"), payload["otp"], call.now,
                         user.mfa_last_step) is not None
    else:
        ok = match_recovery_code(payload["recovery_code"], list(user.recovery_code_hashes or [])) is not None
    if not ok:
        raise BadRequest(**WRONG_OTP)
    users.change(call.session, user.id, mfa_enabled=False, mfa_secret=None, mfa_last_step=None,
                 recovery_code_hashes=None, updated_at=call.now)
    audit_own(call, user, "mfa.disabled")
    return {"mfa_enabled": False}
