"""Who serves which client: one supervisor, one accountant and one assistant per
client at most (a role left empty is simply unassigned). An accountant or assistant
sees exactly the clients they are assigned to (usecases/visibility.py).

The assignee is checked with identity before the transaction starts (service.py):
a user of the caller's agency, not disabled, holding the role they are given. Every
change is written to assignment_history and published as assignment_changed, so
the other services can update who may see what."""
from sqlalchemy import func, select

from servicekit.errors import Conflict, NotFound, ValidationFailed

from contracts.clients.labels import ASSIGNMENT_ROLES
from ..metrics import ASSIGNMENT_CHANGES
from ..tables import assignment_history, assignments
from .common import paged
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
    rows = call.session.execute(select(assignments).where(assignments.c.client_id == client.id)).all()
    return {"client_id": client.id, "assignments": assignments_view(rows)}


def _change(call, client, role, before, after):
    client_id = getattr(client, "id", None) or client.client_id
    call.session.execute(assignment_history.insert().values(
        agency_id=call.auth.agency_id, client_id=client_id, role=role, before_user_id=before, after_user_id=after,
        actor_id=call.auth.user_id, at=call.now, ip=call.ip))
    call.publish("assignment_changed", {"client_id": client_id, "role": role, "before_user_id": before,
                                        "after_user_id": after, "actor_id": call.auth.user_id}, client_id=client_id)
    ASSIGNMENT_CHANGES.labels(role).inc()


def assign(call, client_id, role, user):
    """Give `role` on the client to `user` (identity's view, already checked)."""
    client = load_client(call, client_id, for_update=True)
    current = call.session.execute(select(assignments).where(assignments.c.client_id == client.id,
                                                             assignments.c.role == role)).first()
    if current is not None and current.user_id == user["id"]:
        return list_assignments(call, client.id)  # already so: nothing changes, nothing is published
    values = dict(agency_id=call.auth.agency_id, user_id=user["id"], user_name=user.get("name"),
                  assigned_at=call.now, assigned_by=call.auth.user_id)
    if current is None:
        call.session.execute(assignments.insert().values(client_id=client.id, role=role, **values))
    else:
        call.session.execute(assignments.update().where(assignments.c.client_id == client.id,
                                                        assignments.c.role == role).values(**values))
    _change(call, client, role, current.user_id if current else None, user["id"])
    return list_assignments(call, client.id)


def unassign(call, client_id, role):
    client = load_client(call, client_id, for_update=True)
    current = call.session.execute(select(assignments).where(assignments.c.client_id == client.id,
                                                             assignments.c.role == role)).first()
    if current is None:
        raise Conflict(code="NOT_ASSIGNED", message="该角色尚未分配", message_en="Nobody holds this role for the client")
    call.session.execute(assignments.delete().where(assignments.c.client_id == client.id,
                                                    assignments.c.role == role))
    _change(call, client, role, current.user_id, None)
    return list_assignments(call, client.id)


def history(call, client_id, query):
    client = load_client(call, client_id)
    where = [assignment_history.c.client_id == client.id]
    rows = select(assignment_history).where(*where).order_by(assignment_history.c.id.desc())
    return paged(call, rows, select(func.count()).select_from(assignment_history).where(*where), query["page"],
                 query["page_size"], assignment_history_view)


def drop_for_user(call, user):
    """identity says `user` (its user view) was disabled or lost roles: the
    assignments they can no longer hold go, each recorded and published as
    assignment_changed like a manual unassignment (the actor is empty: the system
    did it, following identity). Returns the (client_id, role) pairs dropped."""
    held = call.session.execute(
        select(assignments).where(assignments.c.agency_id == call.auth.agency_id,
                                  assignments.c.user_id == user["id"])
        .order_by(assignments.c.client_id, assignments.c.role).with_for_update()).all()
    roles = set(user.get("roles") or [])
    dropped = []
    for row in held:
        if not user.get("disabled") and row.role in roles:
            continue
        call.session.execute(assignments.delete().where(assignments.c.client_id == row.client_id,
                                                        assignments.c.role == row.role))
        _change(call, row, row.role, row.user_id, None)
        dropped.append((row.client_id, row.role))
    return dropped
