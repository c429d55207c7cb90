"""The agency's users: an admin creates staff and client users, changes roles,
disables and enables them, and ends their sessions."""
from sqlalchemy import func, or_, select, update

from servicekit.errors import Conflict, ValidationFailed

from .. import audit
from ..domain.passwords import check_password_policy
from ..tables import agencies, users
from .common import current_user, hash_password, load_agency, load_user, new_id
from .registration import contact_of, ensure_login_free, event_user
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


def _audit(call, action, target, **details):
    audit.append(call.session, agency_id=call.auth.agency_id, action=action, actor_id=call.auth.user_id,
                 actor_name=_actor_name(call), target_type="user", target_id=target, ip=call.ip,
                 user_agent=call.user_agent, details=details, occurred_at=call.now)


def _actor_name(call):
    return call.session.execute(select(users.c.name).where(users.c.id == call.auth.user_id)).scalar()


def create_user(call, payload):
    email, phone = contact_of(payload)
    client_id = str(payload["client_id"]) if payload.get("client_id") else None
    roles = check_roles(payload["roles"], client_id)
    check_password_policy(payload["password"], name=payload["name"], email=email, phone=phone)
    ensure_login_free(call, email, phone)
    user_id = new_id()
    call.session.execute(users.insert().values(
        id=user_id, agency_id=call.auth.agency_id, name=payload["name"].strip(), email=email, phone=phone,
        password_hash=hash_password(payload["password"]), password_changed_at=call.now, roles=roles,
        client_id=client_id, created_at=call.now, updated_at=call.now))
    user = call.session.execute(select(users).where(users.c.id == user_id)).one()
    _audit(call, "user.created", user_id, name=user.name, roles=roles)
    call.publish("user_created", {"user": event_user(user)}, agency_id=user.agency_id, aggregate_id=user_id)
    return user_view(user)


def update_user(call, user_id, payload):
    user = load_user(call, user_id, for_update=True)
    changes = {}
    if "name" in payload and payload["name"].strip() != user.name:
        changes["name"] = payload["name"].strip()
    roles = sorted(set(payload["roles"])) if "roles" in payload else sorted(user.roles)
    client_id = (str(payload["client_id"]) if payload["client_id"] else None) if "client_id" in payload else user.client_id
    if roles != sorted(user.roles) or client_id != user.client_id:
        check_roles(roles, client_id)
        changes["roles"], changes["client_id"] = roles, client_id
    if "disabled" in payload and payload["disabled"] != user.disabled:
        changes["disabled"] = payload["disabled"]
    if user.id == call.auth.user_id and (changes.get("disabled") or ("roles" in changes and "admin" not in roles)):
        raise Conflict(code="CANNOT_CHANGE_SELF", message="不能停用自己或取消自己的管理员角色",
                       message_en="You cannot disable yourself or drop your own admin role")
    if not changes:
        return user_view(user)
    call.session.execute(update(users).where(users.c.id == user.id).values(**changes, updated_at=call.now))
    if "roles" in changes:
        _audit(call, "user.roles_changed", user.id, before=sorted(user.roles), after=roles,
               client_id=client_id)
    if "disabled" in changes:
        _audit(call, "user.disabled" if changes["disabled"] else "user.enabled", user.id)
    if "name" in changes:
        _audit(call, "user.renamed", user.id, before=user.name, after=changes["name"])
    if "roles" in changes or changes.get("disabled"):
        # tokens carry the roles: the user signs in again to get the new ones
        revoke_all_sessions(call, user, "disabled" if changes.get("disabled") else "roles_changed")
    updated = call.session.execute(select(users).where(users.c.id == user.id)).one()
    call.publish("user_updated", {"user": event_user(updated), "changed": sorted(changes)},
                 agency_id=updated.agency_id, aggregate_id=updated.id)
    return user_view(updated)


def revoke_user_sessions(call, user_id):
    user = load_user(call, user_id)
    ended = revoke_all_sessions(call, user, "revoked_by_admin")
    _audit(call, "user.sessions_revoked", user.id, sessions=len(ended))
    return {"revoked": len(ended)}


def get_user(call, user_id):
    return user_view(load_user(call, user_id))


def list_users(call, query):
    where = [users.c.agency_id == call.auth.agency_id]
    if query.get("role"):
        where.append(users.c.roles.any(query["role"]))
    if query.get("q"):
        like = "%" + query["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(users.c.name.ilike(like), users.c.email.ilike(like), users.c.phone.ilike(like)))
    if not query.get("include_disabled", True):
        where.append(users.c.disabled.is_(False))
    page, size = query["page"], query["page_size"]
    total = call.session.execute(select(func.count()).select_from(users).where(*where)).scalar()
    rows = call.session.execute(select(users).where(*where).order_by(users.c.created_at, users.c.id)
                                .offset((page - 1) * size).limit(size)).all()
    return {"items": [user_view(r) for r in rows], "total": total, "page": page, "page_size": size}


def user_logins(call, user_id, query):
    return logins_of(call, load_user(call, user_id).id, query)


def me(call):
    user = current_user(call)
    return me_view(user, load_agency(call, user.agency_id), call.now, call.settings.password_max_age_days)


def get_agency(call):
    return agency_view(load_agency(call, call.auth.agency_id))


def update_agency(call, payload):
    agency = load_agency(call, call.auth.agency_id)
    changes = {k: v for k, v in payload.items() if getattr(agency, k) != v}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if changes:
        call.session.execute(update(agencies).where(agencies.c.id == agency.id).values(**changes))
        audit.append(call.session, agency_id=agency.id, action="agency.updated", actor_id=call.auth.user_id,
                     actor_name=_actor_name(call), target_type="agency", target_id=agency.id, ip=call.ip,
                     user_agent=call.user_agent, occurred_at=call.now,
                     details={k: {"before": getattr(agency, k), "after": v} for k, v in changes.items()})
    return agency_view(load_agency(call, agency.id))


