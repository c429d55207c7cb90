"""Pending registrations and password resets: the rows behind one-time codes."""
from sqlalchemy import select, update

from ..tables import password_resets, registrations


def add_registration(session, **values):
    session.execute(registrations.insert().values(**values))


def registration_for_update(session, registration_id):
    return session.execute(select(registrations).where(registrations.c.id == registration_id)
                           .with_for_update()).first()


def change_registration(session, registration_id, **values):
    session.execute(update(registrations).where(registrations.c.id == registration_id).values(**values))


def retire_resets(session, user_id, now):
    """Mark the user's unused reset codes used: one live code at a time."""
    session.execute(update(password_resets).where(password_resets.c.user_id == user_id,
                                                  password_resets.c.used_at.is_(None)).values(used_at=now))


def add_reset(session, **values):
    session.execute(password_resets.insert().values(**values))


def live_reset_for_update(session, user_id):
    """The user's newest unused reset code, locked, or None."""
    return session.execute(
        select(password_resets).where(password_resets.c.user_id == user_id, password_resets.c.used_at.is_(None))
        .order_by(password_resets.c.created_at.desc()).limit(1).with_for_update()).first()


def change_reset(session, reset_id, **values):
    session.execute(update(password_resets).where(password_resets.c.id == reset_id).values(**values))
