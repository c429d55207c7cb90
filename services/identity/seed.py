"""Seed the demo agency for `make run`: an agency and its admin, whose login and
password come from SUANPAN_ADMIN_EMAIL / SUANPAN_ADMIN_PASSWORD. Running it again
changes nothing (the admin is found by email)."""
import os
import sys
from datetime import datetime, timezone

from servicekit.db import make_engine, session_scope
from servicekit.ids import new_id

from . import events
from .domain.notify import normalise_email
from .domain.passwords import check_password_policy, hash_password
from .repository import agencies, audit, users

DEMO_AGENCY = "西安演示代理记账有限公司"
DEMO_ADMIN_NAME = "演示管理员"


def seed(engine, email, password):
    email = normalise_email(email)
    now = datetime.now(timezone.utc)
    with session_scope(engine) as session:
        if users.login_taken(session, email, None):
            return False
        check_password_policy(password, name=DEMO_ADMIN_NAME, email=email)
        agency = agencies.add(session, id=new_id(), name=DEMO_AGENCY, created_at=now)
        user = users.add(session, id=new_id(), agency_id=agency.id, name=DEMO_ADMIN_NAME, email=email,
                         password_hash=hash_password(password), password_changed_at=now, roles=["admin"],
                         created_at=now, updated_at=now)
        audit.append(session, agency_id=agency.id, action="agency.seeded", target_type="agency",
                     target_id=agency.id, details={"name": DEMO_AGENCY}, occurred_at=now)
        events.agency_created(session, agency)
        events.user_created(session, user)
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
