"""Agencies (代理记账机构)."""
from sqlalchemy import select, update

from ..tables import agencies


def load(session, agency_id):
    return session.execute(select(agencies).where(agencies.c.id == agency_id)).one()


def add(session, **values):
    session.execute(agencies.insert().values(**values))
    return load(session, values["id"])


def change(session, agency_id, **values):
    session.execute(update(agencies).where(agencies.c.id == agency_id).values(**values))
