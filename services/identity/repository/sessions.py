"""Sessions and the refresh tokens that keep them alive."""
from sqlalchemy import select, update

from ..tables import refresh_tokens, sessions

NO_SESSION = "00000000-0000-0000-0000-000000000000"


def add(session, **values):
    session.execute(sessions.insert().values(**values))


def add_refresh_token(session, token_hash, session_id, now):
    session.execute(refresh_tokens.insert().values(token_hash=token_hash, session_id=session_id, issued_at=now))


def refresh_token_for_update(session, token_hash):
    """The refresh token with its session's user and times, locked, or None."""
    return session.execute(
        select(refresh_tokens, sessions.c.user_id, sessions.c.revoked_at, sessions.c.last_used_at,
               sessions.c.expires_at)
        .join(sessions, sessions.c.id == refresh_tokens.c.session_id)
        .where(refresh_tokens.c.token_hash == token_hash).with_for_update()).first()


def mark_rotated(session, token_hash, now):
    session.execute(update(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash).values(rotated_at=now))


def touch(session, session_id, now):
    session.execute(update(sessions).where(sessions.c.id == session_id).values(last_used_at=now))


def revoke(session, session_ids, now, reason):
    """End the sessions not ended yet; returns the ids it ended."""
    return [r.id for r in session.execute(
        update(sessions).where(sessions.c.id.in_(session_ids), sessions.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason).returning(sessions.c.id))]


def unrevoked_ids(session, user_id, keep=None):
    """The user's sessions not ended yet, but `keep`."""
    return [r.id for r in session.execute(
        select(sessions.c.id).where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None),
                                    sessions.c.id != (keep or NO_SESSION)))]


def live_of(session, user_id, now, idle_timeout):
    """The user's sessions that still work, most recently used first."""
    return session.execute(
        select(sessions).where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None),
                               sessions.c.expires_at > now, sessions.c.last_used_at > now - idle_timeout)
        .order_by(sessions.c.last_used_at.desc())).all()


def is_owned(session, session_id, user_id):
    return session.execute(select(sessions.c.id).where(
        sessions.c.id == session_id, sessions.c.user_id == user_id)).first() is not None


def revoked_since(session, since):
    return [r.id for r in session.execute(select(sessions.c.id).where(sessions.c.revoked_at > since))]
