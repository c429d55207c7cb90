"""Pieces several use cases share."""
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from servicekit.errors import AppError, NotFound, Unauthorized
from servicekit.green import offload

from ..domain import passwords as password_rules

from ..tables import agencies, users


@dataclass
class Refusal:
    """An answer that is an error but whose writes must be kept (a failed login is
    recorded and counted, then refused): the service commits, then raises it."""
    error: AppError


def new_id():
    return str(uuid.uuid4())


def valid_uuid(value):
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None


def load_user(call, user_id, *, for_update=False):
    """A user of the caller's agency, or 404 (another agency's user is not found either)."""
    user_id = valid_uuid(user_id)
    query = select(users).where(users.c.id == user_id, users.c.agency_id == call.auth.agency_id)
    if for_update:
        query = query.with_for_update()
    row = call.session.execute(query).first() if user_id else None
    if row is None:
        raise NotFound(code="USER_NOT_FOUND", message="用户不存在", message_en="No such user")
    return row


def current_user(call, *, for_update=False):
    """The signed-in user; a context naming no live user of its agency is not signed in."""
    query = select(users).where(users.c.id == valid_uuid(call.auth.user_id), users.c.agency_id == call.auth.agency_id)
    row = call.session.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise Unauthorized(code="USER_UNKNOWN", message="用户不存在或已删除，请重新登录",
                           message_en="Unknown user; sign in again")
    return row


def load_agency(call, agency_id):
    return call.session.execute(select(agencies).where(agencies.c.id == agency_id)).one()


# argon2 is deliberately slow: run it off the event loop (servicekit.green)
def hash_password(password):
    return offload(password_rules.hash_password, password)


def verify_password(password_hash, password):
    return offload(password_rules.verify_password, password_hash, password)


def verify_dummy_password(password):
    return offload(password_rules.verify_dummy_password, password)
