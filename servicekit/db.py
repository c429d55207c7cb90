"""Database access: engines, the unit of work, and the nameko `Database` dependency.

One rule matters more than the rest: under eventlet, psycopg must wait for the
socket through eventlet's hub (PSYCOPG_WAIT_FUNC=wait_select, set by servicekit/__init__,
which `make_engine` then swaps for the leaner `make_green_wait()`). Otherwise every
query blocks the whole hub and a service handles one call at a time. `make_engine`
refuses to build an engine in that state rather than run slowly.

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
import select
import sys
import time
from contextlib import contextmanager

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event, exc, text
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


def make_green_wait():
    """psycopg's wait function for a process eventlet has patched: the green thread
    sleeps in eventlet's hub until the socket is ready. It does what psycopg's
    wait_select does through eventlet's green select(), for less CPU per round trip
    (select() builds listeners for three lists and a timer for `interval` on every
    wait). Made after the patching, so eventlet and psycopg are imported by then."""
    from eventlet.green import select as green_select
    from eventlet.hubs import trampoline
    from psycopg import errors
    from psycopg.waiting import READY_R, READY_W, WAIT_R, WAIT_W

    def green_wait(gen, fileno, interval=None, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            state = next(gen)
            while True:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise errors._WaitTimeout("wait timeout expired")  # as psycopg's own wait functions
                if state == WAIT_R:
                    trampoline(fileno, read=True, timeout=left, timeout_exc=errors._WaitTimeout)
                    ready = READY_R
                elif state == WAIT_W:
                    trampoline(fileno, write=True, timeout=left, timeout_exc=errors._WaitTimeout)
                    ready = READY_W
                else:  # either (a large send): whichever comes first
                    readable, writable, _ = green_select.select([fileno], [fileno], [], left)
                    ready = (READY_R if readable else 0) | (READY_W if writable else 0)
                    if not ready:
                        raise errors._WaitTimeout("wait timeout expired")
                state = gen.send(ready)
        except OSError as error:
            raise errors.OperationalError("connection socket closed") from error
        except StopIteration as stop:
            return stop.value

    return green_wait


def check_green_waiting():
    """Raise if eventlet patched select() but psycopg would still block the hub;
    else have psycopg wait with `make_green_wait()`'s function."""
    patcher = sys.modules.get("eventlet.patcher")  # never imported => never patched
    if patcher is None or not patcher.is_monkey_patched("select"):
        return
    from psycopg import waiting

    if waiting.wait is waiting.wait_select:
        waiting.wait = make_green_wait()
    if getattr(waiting.wait, "__name__", None) != "green_wait":
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


# A pooled connection idle longer than this gets a real ping (a round trip) when it
# is checked out; one used more recently only has its socket looked at.
PING_AFTER_IDLE_SECONDS = 30

# the real poll(): eventlet's green select has none, and this one never waits
_poll = getattr(sys.modules.get("eventlet.patcher"), "original", lambda name: select)("select").poll


def server_hung_up(dbapi_connection):
    """True when the server has closed this idle connection (a restart, a failover,
    pg_terminate_backend): its socket then reads as ready (the FATAL message, the end
    of the stream) or in error, where an idle connection between transactions has
    nothing to say. Costs a poll() of one socket, no round trip."""
    if dbapi_connection.closed:
        return True
    try:
        poller = _poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def _check_on_checkout(engine):
    """What `pool_pre_ping` does, without its round trip on every checkout (one per
    unit of work, about a tenth of a service call's database time): a connection
    whose server hung up is replaced by a new one (each of the others is found out
    the same way when its turn comes), and one that a ping finds dead after
    PING_AFTER_IDLE_SECONDS in the pool makes the pool drop every connection older
    than now, as pool_pre_ping does, instead of failing the call."""

    @event.listens_for(engine, "checkin")
    def checked_in(dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection, record, proxy):
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None:  # a new connection
            return
        if server_hung_up(dbapi_connection):
            raise exc.DisconnectionError("the database server closed the connection")
        if time.monotonic() - checked_in_at > PING_AFTER_IDLE_SECONDS:
            try:
                alive = engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as error:
                if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                    raise
                alive = False
            if not alive:
                raise exc.InvalidatePoolError("the database connection failed its ping")


def make_engine(url, pool_size=DEFAULT_POOL_SIZE, max_overflow=DEFAULT_MAX_OVERFLOW,
                pool_timeout=DEFAULT_POOL_TIMEOUT, connect_timeout=10, pool_pre_ping=False, **kwargs):
    """A SQLAlchemy 2 engine for PostgreSQL through psycopg 3.

    A connection the server dropped (restart, failover) is replaced on checkout
    instead of failing the next call (see `_check_on_checkout`; `pool_pre_ping=True`
    pings on every checkout instead, one round trip more per unit of work);
    connect_timeout stops a dead host from hanging a worker.
    """
    check_green_waiting()
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("connect_timeout", connect_timeout)
    engine = create_engine(
        normalize_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=pool_pre_ping,
        connect_args=connect_args,
        **kwargs,
    )
    if not pool_pre_ping:
        _check_on_checkout(engine)
    return engine


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
