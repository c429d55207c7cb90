"""The agency's users: an admin creates staff and client users, changes roles,
disables and enables them, and ends their sessions; everyone reads themselves and
their agency."""
from servicekit.errors import Conflict, ValidationFailed
from servicekit.ids import new_id
from servicekit.rpc import call_or_none

from .. import events
from ..domain.passwords import check_password_policy
from ..repository import agencies, audit, users
from .common import hash_password
from .registration import contact_of, ensure_login_free
from .sessions import logins_of, revoke_all_sessions
from .views import agency_view, me_view, user_view

STAFF_ROLES = {"admin", "supervisor", "accountant", "assistant"}


def check_roles(roles, client_id):
    roles = sorted(set(roles))
    if "client" in roles:
        if len(roles) > 1:
            raise ValidationFailed(fields={"roles": ["客户角色不能与员工角色同时授予 / the client role cannot be combined with staff roles"]},
                                   code="ROLES_INVALID")
        if not client_id:
            raise ValidationFailed(fields={"client_id": ["客户用户须指定所属客户公司 / a client user needs client_id"]},
                                   code="ROLES_INVALID")
    elif client_id:
        raise ValidationFailed(fields={"client_id": ["只有客户用户可指定客户公司 / only client users have a client_id"]},
                               code="ROLES_INVALID")
    return roles


def check_client(call, client_id):
    """A client user's company must be a client of the caller's agency. The clients
    service is asked as the caller (the call carries their context), so another
    agency's client is as unknown as one that does not exist."""
    if call_or_none(call.clients, "get_client", client_id) is None:
        raise ValidationFailed(fields={"client_id": ["本机构没有该客户公司 / no such client in your agency"]},
                               code="CLIENT_NOT_FOUND", message="客户公司不存在",
                               message_en="No such client company in your agency")


def _audit(call, action, target_type, target_id, details):
    """Audit what the signed-in admin did."""
    audit.append(call.session, agency_id=call.auth.agency_id, action=action, actor_id=call.auth.user_id,
                 actor_name=users.name_of(call.session, call.auth.user_id), target_type=target_type,
                 target_id=target_id, ip=call.ip, user_agent=call.user_agent, details=details, occurred_at=call.now)


def _audit_user(call, action, user_id, **details):
    _audit(call, action, "user", user_id, details)


def create_user(call, payload):
    email, phone = contact_of(payload)
    client_id = str(payload["client_id"]) if payload.get("client_id") else None
    roles = check_roles(payload["roles"], client_id)
    check_password_policy(payload["password"], name=payload["name"], email=email, phone=phone)
    ensure_login_free(call, email, phone)
    if client_id:
        check_client(call, client_id)
    user = users.add(call.session, id=new_id(), agency_id=call.auth.agency_id, name=payload["name"].strip(),
                     email=email, phone=phone, password_hash=hash_password(payload["password"]),
                     password_changed_at=call.now, roles=roles, client_id=client_id, created_at=call.now,
                     updated_at=call.now)
    _audit_user(call, "user.created", user.id, name=user.name, roles=roles)
    events.user_created(call.session, user)
    return user_view(user)


def update_user(call, user_id, payload):
    user = users.load(call.session, call.auth.agency_id, user_id, for_update=True)
    changes = {}
    if "name" in payload and payload["name"].strip() != user.name:
        changes["name"] = payload["name"].strip()
    roles = sorted(set(payload["roles"])) if "roles" in payload else sorted(user.roles)
    client_id = (str(payload["client_id"]) if payload["client_id"] else None) if "client_id" in payload else user.client_id
    if roles != sorted(user.roles) or client_id != user.client_id:
        check_roles(roles, client_id)
        if client_id and client_id != user.client_id:
            check_client(call, client_id)
        changes["roles"], changes["client_id"] = roles, client_id
    if "disabled" in payload and payload["disabled"] != user.disabled:
        changes["disabled"] = payload["disabled"]
    if user.id == call.auth.user_id and (changes.get("disabled") or ("roles" in changes and "admin" not in roles)):
        raise Conflict(code="CANNOT_CHANGE_SELF", message="不能停用自己或取消自己的管理员角色",
                       message_en="You cannot disable yourself or drop your own admin role")
    if not changes:
        return user_view(user)
    users.change(call.session, user.id, **changes, updated_at=call.now)
    if "roles" in changes:
        _audit_user(call, "user.roles_changed", user.id, before=sorted(user.roles), after=roles, client_id=client_id)
    if "disabled" in changes:
        _audit_user(call, "user.disabled" if changes["disabled"] else "user.enabled", user.id)
    if "name" in changes:
        _audit_user(call, "user.renamed", user.id, before=user.name, after=changes["name"])
    if "roles" in changes or changes.get("disabled"):
        # tokens carry the roles: the user signs in again to get the new ones
        revoke_all_sessions(call, user, "disabled" if changes.get("disabled") else "roles_changed")
    updated = users.get(call.session, user.id)
    events.user_updated(call.session, updated, changes)
    return user_view(updated)


def revoke_user_sessions(call, user_id):
    user = users.load(call.session, call.auth.agency_id, user_id)
    ended = revoke_all_sessions(call, user, "revoked_by_admin")
    _audit_user(call, "user.sessions_revoked", user.id, sessions=len(ended))
    return {"revoked": len(ended)}


def get_user(call, user_id):
    return user_view(users.load(call.session, call.auth.agency_id, user_id))


def list_users(call, query):
    page, size = query["page"], query["page_size"]
    total, rows = users.page(call.session, call.auth.agency_id, page=page, size=size, role=query.get("role"),
                             search=query.get("q"), include_disabled=query.get("include_disabled", True))
    return {"items": [user_view(r) for r in rows], "total": total, "page": page, "page_size": size}


def user_logins(call, user_id, query):
    return logins_of(call, users.load(call.session, call.auth.agency_id, user_id).id, query)


def me(call):
    user = users.current(call.session, call.auth)
    return me_view(user, agencies.load(call.session, user.agency_id), call.now, call.settings.password_max_age_days)


def get_agency(call):
    return agency_view(agencies.load(call.session, call.auth.agency_id))


def update_agency(call, payload):
    agency = agencies.load(call.session, call.auth.agency_id)
    changes = {k: v for k, v in payload.items() if getattr(agency, k) != v}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if changes:
        agencies.change(call.session, agency.id, **changes)
        _audit(call, "agency.updated", "agency", agency.id,
               {k: {"before": getattr(agency, k), "after": v} for k, v in changes.items()})
    return agency_view(agencies.load(call.session, agency.id))
