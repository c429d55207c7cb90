"""Who serves which client: one supervisor, one accountant and one assistant per
client at most (a role left empty is simply unassigned). An accountant or assistant
sees exactly the clients they are assigned to (servicekit/visibility.py).

The assignee is checked with identity (a user of the caller's agency, not disabled,
holding the role they are given). Every change is written to assignment_history and
published as assignment_changed, so the other services can update who may see what."""
from servicekit.errors import Conflict, NotFound, ValidationFailed

from contracts.clients.labels import ASSIGNMENT_ROLES
from .. import events
from ..directory import staff_member
from ..metrics import ASSIGNMENT_CHANGES
from ..repository import assignments as assignments_sql
from .views import assignment_history_view, assignments_view
from .visibility import load_client


def check_role(role):
    if role not in ASSIGNMENT_ROLES:
        raise NotFound(code="ASSIGNMENT_ROLE_UNKNOWN", message="未知的服务角色",
                       message_en="Unknown role: use supervisor, accountant or assistant",
                       details={"roles": list(ASSIGNMENT_ROLES)})
    return role


def check_assignee(user, role):
    """identity's view of the user (None: not a user of the caller's agency)."""
    if user is None:
        raise ValidationFailed(code="ASSIGNEE_INVALID", message="本机构没有该用户",
                               message_en="No such user in your agency",
                               fields={"user_id": ["本机构没有该用户 / no such user in your agency"]})
    if user.get("disabled"):
        raise ValidationFailed(code="ASSIGNEE_INVALID", message="该用户已停用", message_en="This user is disabled",
                               fields={"user_id": ["该用户已停用 / the user is disabled"]})
    if role not in (user.get("roles") or []):
        label = ASSIGNMENT_ROLES[role]
        raise ValidationFailed(code="ASSIGNEE_INVALID", message=f"该用户不是{label}",
                               message_en=f"The user does not hold the {role} role",
                               fields={"user_id": [f"该用户没有{label}角色 / the user does not hold the {role} role"]})
    return user


def list_assignments(call, client_id):
    client = load_client(call, client_id)
    return {"client_id": client.id, "assignments": assignments_view(assignments_sql.of_client(call.session, client.id))}


def _change(call, client_id, role, before, after):
    assignments_sql.record(call.session, agency_id=call.auth.agency_id, client_id=client_id, role=role,
                           before_user_id=before, after_user_id=after, actor_id=call.auth.user_id, at=call.now,
                           ip=call.ip)
    events.assignment_changed(call, client_id, role, before, after)
    ASSIGNMENT_CHANGES.labels(role).inc()


def assign(call, client_id, role, payload):
    """Give `role` on the client to the user payload["user_id"]."""
    check_role(role)
    # identity first, before this transaction's first statement: no connection and no
    # row lock are held while identity answers (or its deadline runs out)
    user = check_assignee(staff_member(call.identity, payload["user_id"]), role)
    client = load_client(call, client_id, for_update=True)
    current = assignments_sql.holder(call.session, client.id, role)
    if current is not None and current.user_id == user["id"]:
        return list_assignments(call, client.id)  # already so: nothing changes, nothing is published
    assignments_sql.put(call.session, client.id, role, current is not None, agency_id=call.auth.agency_id,
                        user_id=user["id"], user_name=user.get("name"), assigned_at=call.now,
                        assigned_by=call.auth.user_id)
    _change(call, client.id, role, current.user_id if current else None, user["id"])
    return list_assignments(call, client.id)


def unassign(call, client_id, role):
    check_role(role)
    client = load_client(call, client_id, for_update=True)
    current = assignments_sql.holder(call.session, client.id, role)
    if current is None:
        raise Conflict(code="NOT_ASSIGNED", message="该角色尚未分配", message_en="Nobody holds this role for the client")
    assignments_sql.remove(call.session, client.id, role)
    _change(call, client.id, role, current.user_id, None)
    return list_assignments(call, client.id)


def history(call, client_id, query):
    client = load_client(call, client_id)
    return assignments_sql.history_page(call.session, client.id, query["page"], query["page_size"],
                                        assignment_history_view)


def follow_user(call, envelope):
    """identity's user_updated: a user who was disabled, or changed roles, may no
    longer hold some assignments."""
    data = envelope.get("data") or {}
    user = data.get("user") or {}
    if {"disabled", "roles"} & set(data.get("changed") or []) and user.get("id"):
        drop_for_user(call, user)


def drop_for_user(call, user):
    """identity says `user` (its user view) was disabled or lost roles: the
    assignments they can no longer hold go, each recorded and published as
    assignment_changed like a manual unassignment (the actor is empty: the system
    did it, following identity). Returns the (client_id, role) pairs dropped."""
    roles = set(user.get("roles") or [])
    dropped = []
    for row in assignments_sql.held_by(call.session, call.auth.agency_id, user["id"]):
        if not user.get("disabled") and row.role in roles:
            continue
        assignments_sql.remove(call.session, row.client_id, row.role)
        _change(call, row.client_id, row.role, row.user_id, None)
        dropped.append((row.client_id, row.role))
    return dropped
