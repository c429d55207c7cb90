import json

import pytest
from nameko import config
from sqlalchemy import text

from servicekit.db import (
    Database, advisory_lock_key, make_engine, normalize_url, ping, session_scope,
)

GREEN_SLEEPS = r"""
import eventlet
eventlet.monkey_patch()
import json, sys, time
from servicekit.db import make_engine
from psycopg import waiting

engine = make_engine(sys.argv[1] if len(sys.argv) > 1 else %(url)r, pool_size=10)

def sleep_in_db():
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_sleep(0.5)")

with engine.connect() as conn:  # warm up imports and one connection
    conn.exec_driver_sql("SELECT 1")
pool = eventlet.GreenPool()
started = time.monotonic()
for _ in range(10):
    pool.spawn(sleep_in_db)
pool.waitall()
print(json.dumps({"elapsed": time.monotonic() - started, "wait": waiting.wait.__name__}))
"""

REFUSES = r"""
import eventlet
eventlet.monkey_patch()
from servicekit.db import make_engine
try:
    make_engine(%(url)r)
except RuntimeError as exc:
    print("REFUSED", exc)
else:
    print("ACCEPTED")
"""


def test_green_queries_overlap_under_eventlet(run_python, outbox_db_url):
    result = run_python(GREEN_SLEEPS % {"url": outbox_db_url})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["wait"] == "green_wait"  # servicekit.db.make_green_wait, installed by make_engine
    # ten 0.5 s sleeps: 5 s one after another, ~0.5 s when they overlap
    assert report["elapsed"] < 1.5, report


def test_make_engine_refuses_a_blocking_wait_function(run_python, outbox_db_url):
    # wait_c is what psycopg picks by itself when eventlet patched the process
    result = run_python(REFUSES % {"url": outbox_db_url}, env={"PSYCOPG_WAIT_FUNC": "wait_c"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("REFUSED"), result.stdout
    assert "PSYCOPG_WAIT_FUNC" in result.stdout


def test_make_engine_without_eventlet_and_ping(outbox_db_url):
    engine = make_engine(outbox_db_url)
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.pool.size() == 10
        assert ping(engine) is True
    finally:
        engine.dispose()


def test_ping_is_false_when_the_database_is_unreachable():
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", connect_timeout=2)
    try:
        assert ping(engine) is False
    finally:
        engine.dispose()


def test_normalize_url_prefers_psycopg():
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError):
        normalize_url("sqlite:///x.db")


def test_advisory_lock_key_is_stable_and_distinct():
    assert advisory_lock_key("outbox", "ledger") == advisory_lock_key("outbox", "ledger")
    assert advisory_lock_key("outbox", "ledger") != advisory_lock_key("migrate", "ledger")
    assert -(2 ** 63) <= advisory_lock_key("outbox", "tax") < 2 ** 63


@pytest.fixture
def scratch_engine(make_database):
    engine = make_engine(make_database("uow"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL)"))
        conn.execute(text("CREATE TABLE tally (n int NOT NULL)"))
    yield engine
    engine.dispose()


def _count(engine, table):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_unit_of_work_rolls_back_everything_on_error(scratch_engine):
    with pytest.raises(RuntimeError):
        with session_scope(scratch_engine) as session:
            session.execute(text("INSERT INTO note (body) VALUES ('one')"))
            session.execute(text("INSERT INTO tally (n) VALUES (1)"))
            session.flush()
            raise RuntimeError("boom")
    assert _count(scratch_engine, "note") == 0
    assert _count(scratch_engine, "tally") == 0


def test_unit_of_work_commits_on_normal_exit(scratch_engine):
    with session_scope(scratch_engine) as session:
        session.execute(text("INSERT INTO note (body) VALUES ('kept')"))
        session.execute(text("INSERT INTO tally (n) VALUES (1)"))
    assert _count(scratch_engine, "note") == 1
    assert _count(scratch_engine, "tally") == 1


def test_database_dependency_reads_config(make_database):
    url = make_database("dep")
    with config.patch({"DATABASE_URL": url, "DB_POOL_SIZE": 3, "DB_MAX_OVERFLOW": "2",
                       "DB_POOL_TIMEOUT": 5}):
        provider = Database()
        provider.setup()
    try:
        handle = provider.get_dependency(worker_ctx=None)
        assert handle.engine.pool.size() == 3
        assert handle.engine.pool._max_overflow == 2
        assert handle.engine.pool._timeout == 5
        with handle.unit_of_work() as session:
            session.execute(text("CREATE TABLE t (x int)"))
            session.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(ZeroDivisionError):
            with handle.unit_of_work() as session:
                session.execute(text("INSERT INTO t VALUES (2)"))
                1 / 0
        assert _count(handle.engine, "t") == 1
        assert ping(handle.engine)
    finally:
        provider.stop()


def test_database_dependency_needs_a_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with config.patch({"DATABASE_URL": None}):
        with pytest.raises(RuntimeError, match="DATABASE_URL"):
            Database().setup()


def test_connections_the_server_dropped_are_replaced_on_checkout(scratch_engine):
    """A restart or failover drops every pooled connection; the next units of work
    get new ones instead of failing, with no ping round trip on every checkout."""
    import time

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    def backend_pids(n):
        # n connections at once, so the pool holds n idle ones afterwards
        sessions = [session_scope(scratch_engine) for _ in range(n)]
        pids = {s.__enter__().execute(text("SELECT pg_backend_pid()")).scalar() for s in sessions}
        for s in sessions:
            s.__exit__(None, None, None)
        return pids

    before = backend_pids(3)
    assert scratch_engine.pool.checkedin() == 3
    outsider = create_engine(scratch_engine.url, poolclass=NullPool)
    with outsider.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.commit()
    outsider.dispose()
    time.sleep(0.2)  # the backends have gone
    for _ in range(3):
        with session_scope(scratch_engine) as session:
            session.execute(text("INSERT INTO tally (n) VALUES (1)"))
    assert _count(scratch_engine, "tally") == 3
    assert not backend_pids(2) & before  # every pooled connection was replaced


def test_a_long_idle_connection_is_pinged_and_a_recent_one_only_looked_at(scratch_engine, monkeypatch):
    import servicekit.db as db

    pings = []
    original = scratch_engine.dialect.do_ping
    monkeypatch.setattr(scratch_engine.dialect, "do_ping", lambda conn: pings.append(1) or original(conn))
    with session_scope(scratch_engine) as session:
        session.execute(text("SELECT 1"))
    with session_scope(scratch_engine) as session:  # used a moment ago: no round trip
        session.execute(text("SELECT 1"))
    assert pings == []
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", -1)
    with session_scope(scratch_engine) as session:
        session.execute(text("SELECT 1"))
    assert pings == [1]


GREEN_BIG_VALUES = r"""
import eventlet
eventlet.monkey_patch()
import json, sys
from sqlalchemy import text
from servicekit.db import make_engine, session_scope

engine = make_engine(%(url)r, pool_size=4)
big = "算盘" * 3_000_000  # 18 MB of UTF-8: psycopg waits to write as well as to read

def round_trip(i):
    with session_scope(engine) as session:
        return session.execute(text("SELECT length(:v), :v"), {"v": big + str(i)}).one()

results = list(eventlet.GreenPool(4).imap(round_trip, range(4)))
print(json.dumps({"ok": all(n == len(big) + 1 and v == big + str(i) for i, (n, v) in enumerate(results))}))
"""


def test_green_waiting_carries_large_values_both_ways(run_python, outbox_db_url):
    result = run_python(GREEN_BIG_VALUES % {"url": outbox_db_url})
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"ok": True}
