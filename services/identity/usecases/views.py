"""How identity's records look to callers (never a hash or a secret)."""
from servicekit.auth import PERMISSIONS, ROLES

from ..domain.passwords import password_change_due, password_days_left


def iso(value):
    return None if value is None else value.isoformat()


def user_view(row):
    return {
        "id": row.id, "agency_id": row.agency_id, "name": row.name, "email": row.email, "phone": row.phone,
        "roles": list(row.roles), "role_labels": [ROLES[r][0] for r in row.roles if r in ROLES],
        "client_id": row.client_id, "disabled": row.disabled, "mfa_enabled": row.mfa_enabled,
        "created_at": iso(row.created_at), "password_changed_at": iso(row.password_changed_at),
    }


def agency_view(row):
    return {"id": row.id, "name": row.name, "mfa_required": row.mfa_required, "created_at": iso(row.created_at)}


def me_view(user, agency, now, max_age_days):
    view = user_view(user)
    view["agency"] = agency_view(agency)
    view["permissions"] = sorted(p for p, roles in PERMISSIONS.items() if roles.intersection(user.roles))
    view["password_change_due"] = password_change_due(user.password_changed_at, now, max_age_days)
    view["password_expires_in_days"] = password_days_left(user.password_changed_at, now, max_age_days)
    view["mfa_enrolment_required"] = bool(agency.mfa_required and not user.mfa_enabled)
    return view


def login_view(row):
    return {"at": iso(row.at), "login": row.login, "ip": row.ip, "user_agent": row.user_agent,
            "success": row.success, "reason": row.reason, "new_device": row.new_device}


def session_view(row, current_session_id=None):
    return {"id": row.id, "created_at": iso(row.created_at), "last_used_at": iso(row.last_used_at),
            "expires_at": iso(row.expires_at), "ip": row.ip, "user_agent": row.user_agent,
            "current": row.id == current_session_id}


def audit_view(row):
    return {"seq": row.seq, "occurred_at": iso(row.occurred_at), "actor_id": row.actor_id,
            "actor_name": row.actor_name, "action": row.action, "target_type": row.target_type,
            "target_id": row.target_id, "ip": row.ip, "user_agent": row.user_agent,
            "details": row.details, "hash": row.hash}
