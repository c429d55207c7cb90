"""Self-service registration of an agency and its first admin, confirmed by a
one-time code sent to the admin's email or phone (never returned by the API)."""
from servicekit.errors import Conflict, NotFound
from servicekit.ids import new_id, valid_uuid
from servicekit.service import Refusal

from .. import events
from ..domain.codes import CodeState, check_code, issue_code
from ..domain.notify import (
    PURPOSE_REGISTER, mask_email, mask_phone, normalise_email, normalise_phone, verification_code_email,
    verification_code_sms,
)
from ..domain.passwords import check_password_policy
from ..repository import agencies, audit, codes, users
from .common import hash_password
from .views import agency_view, user_view

LOGIN_TAKEN = dict(code="LOGIN_TAKEN", message="该邮箱或手机号已被注册", message_en="This email or phone is already registered")


def contact_of(payload):
    email = normalise_email(payload["email"]) if payload.get("email") else None
    phone = normalise_phone(payload["phone"]) if payload.get("phone") else None
    return email, phone


def ensure_login_free(call, email, phone):
    if users.login_taken(call.session, email, phone):
        raise Conflict(**LOGIN_TAKEN)


def send_code(call, *, email, phone, code, purpose):
    """Send a one-time code by email when there is one, else by SMS; return where, masked."""
    minutes = call.settings.codes.ttl_minutes
    if email:
        subject, body = verification_code_email(code, purpose, minutes)
        call.deps.senders.email.send(email, subject, body)
        return mask_email(email)
    call.deps.senders.sms.send(phone, verification_code_sms(code, purpose, minutes))
    return mask_phone(phone)


def register_agency(call, payload):
    email, phone = contact_of(payload)
    check_password_policy(payload["password"], name=payload["name"], email=email, phone=phone)
    ensure_login_free(call, email, phone)
    code, state = issue_code(call.now, call.settings.codes)
    registration_id = new_id()
    codes.add_registration(
        call.session, id=registration_id, agency_name=payload["agency_name"].strip(), name=payload["name"].strip(),
        email=email, phone=phone, password_hash=hash_password(payload["password"]),
        code_hash=state.code_hash, code_salt=state.salt, expires_at=state.expires_at, created_at=call.now)
    sent_to = send_code(call, email=email, phone=phone, code=code, purpose=PURPOSE_REGISTER)
    return {"registration_id": registration_id, "sent_to": sent_to,
            "expires_in": int(call.settings.codes.ttl.total_seconds())}


def verify_registration(call, payload):
    registration_id = valid_uuid(payload["registration_id"])
    row = codes.registration_for_update(call.session, registration_id) if registration_id else None
    if row is None:
        raise NotFound(code="REGISTRATION_NOT_FOUND", message="注册申请不存在", message_en="No such registration")
    if row.completed_at is not None:
        raise Conflict(code="REGISTRATION_COMPLETED", message="该注册已完成，请直接登录",
                       message_en="This registration is already complete; sign in")
    result = check_code(CodeState(row.code_hash, row.code_salt, row.expires_at, row.tries), payload["code"],
                        call.now, call.settings.codes)
    if not result.ok:
        codes.change_registration(call.session, row.id, tries=result.tries_used)
        return Refusal(result.error())
    ensure_login_free(call, row.email, row.phone)
    agency = agencies.add(call.session, id=new_id(), name=row.agency_name, created_at=call.now)
    user = users.add(call.session, id=new_id(), agency_id=agency.id, name=row.name, email=row.email, phone=row.phone,
                     password_hash=row.password_hash, password_changed_at=call.now, roles=["admin"],
                     created_at=call.now, updated_at=call.now)
    codes.change_registration(call.session, row.id, completed_at=call.now)
    audit.append(call.session, agency_id=agency.id, action="agency.registered", actor_id=user.id,
                 actor_name=user.name, target_type="agency", target_id=agency.id, ip=call.ip,
                 user_agent=call.user_agent, details={"name": agency.name}, occurred_at=call.now)
    events.agency_created(call.session, agency)
    events.user_created(call.session, user)
    return {"agency": agency_view(agency), "user": user_view(user)}
