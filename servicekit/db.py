"""Database access: engines, the unit of work, and the nameko `Database` dependency.

One rule matters more than the rest: under eventlet, psycopg must wait for the
socket with select() (PSYCOPG_WAIT_FUNC=wait_select, set by servicekit/__init__).
Otherwise every query blocks the whole hub and a service handles one call at a time.
`make_engine` refuses to build an engine in that state rather than run slowly.

Plain use (scripts, domain tests)::

    engine = make_engine(url)
    with session_scope(engine) as session:   # commits on exit, rolls back on error
        session.add(thing)

In a nameko service::

    class LedgerService:
        db = Database()

        @rpc
        def post(self, ...):
            with self.db.unit_of_work() as session:
                ...
"""
import hashlib
import logging
import sys
from contextlib import contextmanager

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from .config import setting

log = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 10
DEFAULT_POOL_TIMEOUT = 10


def normalize_url(url):
    """Accept the URLs operators tend to write (postgres://, postgresql://) and
    always use the psycopg 3 driver, the one this project pins."""
    url = make_url(str(url))
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername != "postgresql+psycopg":
        raise ValueError(f"expected a postgresql+psycopg:// URL, got {url.drivername}://")
    return url


def check_green_waiting():
    """Raise if eventlet patched select() but psycopg would still block the hub."""
    patcher = sys.modules.get("eventlet.patcher")  # never imported => never patched
    if patcher is None or not patcher.is_monkey_patched("select"):
        return
    from psycopg import waiting

    if waiting.wait is not waiting.wait_select:
        raise RuntimeError(
            "eventlet has monkey-patched this process but psycopg waits with "
            f"{getattr(waiting.wait, '__name__', waiting.wait)!r}, which blocks the whole "
            "eventlet hub on every query. Set PSYCOPG_WAIT_FUNC=wait_select before psycopg "
            "is imported (import servicekit first, or export it in the environment)."
        )


def advisory_lock_key(purpose, name):
    """A stable signed 64-bit key for pg_advisory_lock, derived from a name, so
    every replica of a service computes the same key (and services differ)."""
    digest = hashlib.blake2b(f"suanpan:{purpose}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def make_engine(url, pool_size=DEFAULT_POOL_SIZE, max_overflow=DEFAULT_MAX_OVERFLOW,
                pool_timeout=DEFAULT_POOL_TIMEOUT, connect_timeout=10, **kwargs):
    """A SQLAlchemy 2 engine for PostgreSQL through psycopg 3.

    pool_pre_ping replaces connections the server dropped (restart, failover) instead
    of failing the next call; connect_timeout stops a dead host from hanging a worker.
    """
    check_green_waiting()
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("connect_timeout", connect_timeout)
    return create_engine(
        normalize_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        connect_args=connect_args,
        **kwargs,
    )


@contextmanager
def session_scope(engine):
    """The unit of work: one Session, one transaction, written whole or not at all.

    Commits when the block ends normally and rolls back on any exception (also a
    GreenletExit when a worker is killed). expire_on_commit=False keeps loaded
    objects readable after the commit, so replies can be built from them.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# The name the architecture notes use; same thing.
unit_of_work = session_scope


def ping(engine, timeout=2.0):
    """Readiness check: True when `SELECT 1` answers within `timeout` seconds."""
    try:
        with engine.connect() as conn:
            # SET LOCAL lasts only for this transaction, so the pooled connection
            # goes back without the short timeout.
            conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                         {"ms": str(int(timeout * 1000))})
            conn.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        log.warning("database ping failed: %s", exc)
        return False


class DatabaseHandle:
    """What a service method sees as `self.db`."""

    def __init__(self, engine):
        self.engine = engine

    def unit_of_work(self):
        return session_scope(self.engine)

    session_scope = unit_of_work


class Database(DependencyProvider):
    """nameko dependency: one engine (connection pool) per service container.

    Reads DATABASE_URL, DB_POOL_SIZE, DB_MAX_OVERFLOW, DB_POOL_TIMEOUT from nameko's
    config (then the environment). Keep DB_POOL_SIZE + DB_MAX_OVERFLOW at or above
    max_workers, or workers queue for connections (and time out after DB_POOL_TIMEOUT).
    """

    def __init__(self, url_key="DATABASE_URL"):
        self.url_key = url_key
        self.engine = None

    def setup(self):
        url = setting(self.url_key)
        if not url:
            raise RuntimeError(f"{self.url_key} is not configured")
        self.engine = make_engine(
            url,
            pool_size=setting("DB_POOL_SIZE", DEFAULT_POOL_SIZE, int),
            max_overflow=setting("DB_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW, int),
            pool_timeout=setting("DB_POOL_TIMEOUT", DEFAULT_POOL_TIMEOUT, float),
        )
        self.handle = DatabaseHandle(self.engine)

    def stop(self):
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.handle


# rows: from this many on, COPY instead of INSERT
COPY_FROM = 50


def bulk_insert(session, table, rows):
    """Insert `rows` (dicts with the same keys) into `table` in the session's
    transaction: a plain executemany for a few rows, COPY for many (10,000 vouchers
    with 40,000 lines in well under a second, where row-by-row inserts take several)."""
    if not rows:
        return
    if len(rows) < COPY_FROM:
        session.execute(table.insert(), rows)
        return
    from psycopg.types.json import Jsonb
    from sqlalchemy.dialects.postgresql import JSONB

    columns = list(rows[0])
    jsonb = {name for name in columns if isinstance(table.c[name].type, JSONB)}
    raw = session.connection().connection.driver_connection  # psycopg, inside the same transaction
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([Jsonb(row[name]) if name in jsonb else row[name] for name in columns])
