"""Alembic for each service, driven from code (no alembic.ini).

    python -m servicekit.migrate <service> [--create-database] [--url URL]   # upgrade head
    python -m servicekit.migrate <service> upgrade REV
    python -m servicekit.migrate <service> current
    python -m servicekit.migrate <service> revision -m "add vouchers" [--autogenerate]
    python -m servicekit.migrate <service> init      # scaffold services/<service>/migrations

A service's migrations live in services/<service>/migrations:
    env.py            from servicekit.alembic_env import run
                      from services.<service>.tables import metadata
                      run(metadata, "<service>")
    script.py.mako    the template for new revisions (copied from servicekit by `init`
                      or the first `revision`; alembic reads it only from there)
    versions/         the revisions; the first one calls create_outbox_tables(op) and
                      create_idempotency_table(op)

The version table is alembic_version_<service>. The URL comes from --url, else
DATABASE_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/suanpan_<service>.
Two replicas starting at once are safe: the whole upgrade runs under a PostgreSQL
advisory lock taken on the very connection alembic uses, so the second waits and
then finds the schema already at head.
"""
import argparse
import logging
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .db import advisory_lock_key, check_green_waiting, normalize_url

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES_DIR = REPO_ROOT / "services"
SCRIPT_TEMPLATE = Path(__file__).with_name("alembic_script.py.mako")

ENV_TEMPLATE = '''"""Alembic environment for the {service} service (see servicekit.alembic_env)."""
from servicekit.alembic_env import run
from services.{service}.tables import metadata

run(metadata, "{service}")
'''

log = logging.getLogger(__name__)


def default_url(service):
    return os.environ.get("DATABASE_URL") or f"postgresql+psycopg://postgres@127.0.0.1:5432/suanpan_{service}"


def migrations_dir(service):
    return SERVICES_DIR / service / "migrations"


def version_table(service):
    return f"alembic_version_{service}"


def alembic_config(service, url, script_location=None, connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or migrations_dir(service)))
    # configparser treats % as interpolation (passwords may hold %xx escapes)
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["service"] = service
    cfg.attributes["connection"] = connection
    return cfg


def migration_engine(url):
    check_green_waiting()
    # NullPool: a migration wants one plain connection, closed when done
    return create_engine(normalize_url(url), poolclass=NullPool)


@contextmanager
def migration_lock(connection, service):
    """Hold pg_advisory_lock for `service` on `connection` (session level, so it
    lasts across alembic's transactions and dies with the connection)."""
    key = advisory_lock_key("migrate", service)
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
    connection.commit()
    try:
        yield connection
    finally:
        try:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
        except Exception:  # noqa: BLE001 - don't hide the real error; closing frees the lock
            log.warning("could not release the migration lock for %s", service, exc_info=True)


def create_database(url):
    """Create the URL's database if it does not exist. True if this call made it."""
    url = normalize_url(url)
    name = url.database
    admin = create_engine(url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists:
                return False
            try:
                # CREATE DATABASE takes no parameters: quote the name as an identifier
                conn.execute(text(f"CREATE DATABASE {conn.dialect.identifier_preparer.quote(name)}"))
            except Exception as exc:  # noqa: BLE001 - a concurrent creator won the race
                sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
                if sqlstate in ("42P04", "23505"):  # duplicate_database, unique_violation
                    return False
                raise
            log.info("created database %s", name)
            return True
    finally:
        admin.dispose()


def _with_connection(service, url, script_location, action):
    engine = migration_engine(url)
    try:
        with engine.connect() as conn, migration_lock(conn, service):
            return action(alembic_config(service, url, script_location, conn))
    finally:
        engine.dispose()


def upgrade(service, url=None, revision="head", create_db=False, script_location=None):
    """Migrate `service`'s database to `revision` (head). Safe to run concurrently."""
    from alembic import command

    url = url or default_url(service)
    if create_db:
        create_database(url)
    _with_connection(service, url, script_location, lambda cfg: command.upgrade(cfg, revision))


def current(service, url=None, script_location=None):
    from alembic import command

    _with_connection(service, url or default_url(service), script_location,
                     lambda cfg: command.current(cfg, verbose=True))


def init(service):
    """Scaffold services/<service>/migrations (env.py, script.py.mako, versions/)."""
    target = migrations_dir(service)
    (target / "versions").mkdir(parents=True, exist_ok=True)
    env = target / "env.py"
    if not env.exists():
        env.write_text(ENV_TEMPLATE.format(service=service), encoding="utf-8")
    _ensure_template(target)
    return target


def _ensure_template(target):
    template = Path(target) / "script.py.mako"
    if not template.exists():
        shutil.copyfile(SCRIPT_TEMPLATE, template)


def revision(service, message, autogenerate=False, url=None, script_location=None):
    from alembic import command

    location = Path(script_location or migrations_dir(service))
    _ensure_template(location)
    if not autogenerate:
        return command.revision(alembic_config(service, url or default_url(service), location),
                                message=message)
    # autogenerate compares the metadata with a database at head
    return _with_connection(service, url or default_url(service), location,
                            lambda cfg: command.revision(cfg, message=message, autogenerate=True))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m servicekit.migrate",
                                     description="Alembic migrations for one Suanpan service")
    parser.add_argument("service")
    parser.add_argument("command", nargs="?", default="upgrade",
                        choices=["upgrade", "current", "revision", "init"])
    parser.add_argument("target", nargs="?", default="head", help="revision for upgrade (head)")
    parser.add_argument("--url", help="database URL (default: $DATABASE_URL or suanpan_<service> on localhost)")
    parser.add_argument("--create-database", action="store_true", help="create the database if missing")
    parser.add_argument("-m", "--message", help="message for a new revision")
    parser.add_argument("--autogenerate", action="store_true")
    parser.add_argument("--migrations", help="migrations folder (default: services/<service>/migrations)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # env.py imports services.<name>.tables

    if args.command == "init":
        print(init(args.service))
        return 0
    location = args.migrations or migrations_dir(args.service)
    if not Path(location).is_dir():
        parser.error(f"{location} does not exist (try: init)")
    if args.command == "upgrade":
        upgrade(args.service, args.url, args.target, create_db=args.create_database,
                script_location=location)
    elif args.command == "current":
        current(args.service, args.url, script_location=location)
    elif args.command == "revision":
        if not args.message:
            parser.error("revision needs -m MESSAGE")
        revision(args.service, args.message, args.autogenerate, args.url, script_location=location)
    return 0


if __name__ == "__main__":
    sys.exit(main())
