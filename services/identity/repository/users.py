"""Users: staff and client users of an agency."""
from sqlalchemy import func, or_, select, update

from servicekit.errors import NotFound, Unauthorized
from servicekit.ids import valid_uuid

from ..tables import users


def load(session, agency_id, user_id, *, for_update=False):
    """A user of the agency, or 404 (another agency's user is not found either)."""
    user_id = valid_uuid(user_id)
    query = select(users).where(users.c.id == user_id, users.c.agency_id == agency_id)
    row = session.execute(query.with_for_update() if for_update else query).first() if user_id else None
    if row is None:
        raise NotFound(code="USER_NOT_FOUND", message="用户不存在", message_en="No such user")
    return row


def current(session, auth, *, for_update=False):
    """The signed-in user; a context naming no live user of its agency is not signed in."""
    query = select(users).where(users.c.id == valid_uuid(auth.user_id), users.c.agency_id == auth.agency_id)
    row = session.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise Unauthorized(code="USER_UNKNOWN", message="用户不存在或已删除，请重新登录",
                           message_en="Unknown user; sign in again")
    return row


def get(session, user_id, *, for_update=False):
    """A user by id, whatever the agency (sign-in steps know the id from a token), or None."""
    query = select(users).where(users.c.id == user_id)
    return session.execute(query.with_for_update() if for_update else query).first()


def by_login(session, kind, value):
    """The user whose email (kind "email") or phone is `value`, or None."""
    column = users.c.email if kind == "email" else users.c.phone
    return session.execute(select(users).where(column == value)).first()


def login_taken(session, email, phone):
    clauses = ([users.c.email == email] if email else []) + ([users.c.phone == phone] if phone else [])
    return session.execute(select(users.c.id).where(or_(*clauses))).first() is not None


def name_of(session, user_id):
    return session.execute(select(users.c.name).where(users.c.id == user_id)).scalar()


def add(session, **values):
    session.execute(users.insert().values(**values))
    return get(session, values["id"])


def change(session, user_id, **values):
    session.execute(update(users).where(users.c.id == user_id).values(**values))


def page(session, agency_id, *, page, size, role=None, search=None, include_disabled=True):
    """(total, one page of rows) of the agency's users, oldest first."""
    where = [users.c.agency_id == agency_id]
    if role:
        where.append(users.c.roles.any(role))
    if search:
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(users.c.name.ilike(like), users.c.email.ilike(like), users.c.phone.ilike(like)))
    if not include_disabled:
        where.append(users.c.disabled.is_(False))
    total = session.execute(select(func.count()).select_from(users).where(*where)).scalar()
    rows = session.execute(select(users).where(*where).order_by(users.c.created_at, users.c.id)
                           .offset((page - 1) * size).limit(size)).all()
    return total, rows
