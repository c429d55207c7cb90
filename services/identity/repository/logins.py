"""Sign-in attempts: the failures counted per login, locks, and the history shown to
the user and their admin."""
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from ..tables import login_failures, login_history, login_locks


def serialise(session, login_key):
    """Take turns on one login until commit, so two parallel guesses cannot both
    slip under the failure limit."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(login_key))))


def lock_state(session, login_key, since):
    """(the failures after `since`, the time the login is locked until or None)."""
    failures = [r.failed_at for r in session.execute(
        select(login_failures.c.failed_at).where(login_failures.c.login_key == login_key,
                                                 login_failures.c.failed_at > since))]
    locked_until = session.execute(
        select(login_locks.c.locked_until).where(login_locks.c.login_key == login_key)).scalar()
    return failures, locked_until


def replace_failures(session, login_key, failures):
    session.execute(delete(login_failures).where(login_failures.c.login_key == login_key))
    if failures:
        session.execute(login_failures.insert(), [{"login_key": login_key, "failed_at": t} for t in failures])


def lock(session, login_key, until):
    session.execute(insert(login_locks).values(login_key=login_key, locked_until=until)
                    .on_conflict_do_update(index_elements=["login_key"], set_={"locked_until": until}))


def clear(session, login_key):
    """Forget the login's failures and lock."""
    session.execute(delete(login_failures).where(login_failures.c.login_key == login_key))
    session.execute(delete(login_locks).where(login_locks.c.login_key == login_key))


def recent_devices(session, user_id, limit=200):
    """(ip, user agent) of the user's latest successful sign-ins."""
    return [(r.ip, r.user_agent) for r in session.execute(
        select(login_history.c.ip, login_history.c.user_agent)
        .where(login_history.c.user_id == user_id, login_history.c.success.is_(True))
        .order_by(login_history.c.at.desc()).limit(limit))]


def record(session, **values):
    session.execute(login_history.insert().values(**values))


def page(session, user_id, *, page, size):
    """(total, one page) of the user's sign-in history, newest first."""
    where = login_history.c.user_id == user_id
    total = session.execute(select(func.count()).select_from(login_history).where(where)).scalar()
    rows = session.execute(select(login_history).where(where)
                           .order_by(login_history.c.at.desc(), login_history.c.id.desc())
                           .offset((page - 1) * size).limit(size)).all()
    return total, rows
