"""Seed the demo agency for `make run`: an agency and its admin, whose login and
password come from SUANPAN_ADMIN_EMAIL / SUANPAN_ADMIN_PASSWORD. Running it again
changes nothing (the admin is found by email)."""
import os
import sys
from datetime import datetime, timezone

from sqlalchemy import select

from servicekit.db import make_engine, session_scope
from servicekit.outbox import add_event

from . import audit
from .domain.notify import normalise_email
from .domain.passwords import check_password_policy, hash_password
from .tables import agencies, users
from .usecases.common import new_id
from .usecases.registration import event_user
from .usecases.views import agency_view

DEMO_AGENCY = "西安演示代理记账有限公司"
DEMO_ADMIN_NAME = "演示管理员"


def seed(engine, email, password):
    email = normalise_email(email)
    now = datetime.now(timezone.utc)
    with session_scope(engine) as session:
        existing = session.execute(select(users.c.id).where(users.c.email == email)).first()
        if existing is not None:
            return False
        check_password_policy(password, name=DEMO_ADMIN_NAME, email=email)
        agency_id, user_id = new_id(), new_id()
        session.execute(agencies.insert().values(id=agency_id, name=DEMO_AGENCY, created_at=now))
        session.execute(users.insert().values(
            id=user_id, agency_id=agency_id, name=DEMO_ADMIN_NAME, email=email, password_hash=hash_password(password),
            password_changed_at=now, roles=["admin"], created_at=now, updated_at=now))
        audit.append(session, agency_id=agency_id, action="agency.seeded", target_type="agency",
                     target_id=agency_id, details={"name": DEMO_AGENCY}, occurred_at=now)
        agency = session.execute(select(agencies).where(agencies.c.id == agency_id)).one()
        user = session.execute(select(users).where(users.c.id == user_id)).one()
        add_event(session, service="identity", event_type="agency_created", data={"agency": agency_view(agency)},
                  agency_id=agency_id, aggregate_id=agency_id, aggregate_type="agency")
        add_event(session, service="identity", event_type="user_created", data={"user": event_user(user)},
                  agency_id=agency_id, aggregate_id=user_id, aggregate_type="user")
    return True


def main():
    email = os.environ["SUANPAN_ADMIN_EMAIL"]
    password = os.environ["SUANPAN_ADMIN_PASSWORD"]
    engine = make_engine(os.environ["DATABASE_URL"], pool_size=1, max_overflow=0)
    created = seed(engine, email, password)
    print(f"• 演示机构 / demo agency: {'已创建 created' if created else '已存在 already there'} ({email})")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
