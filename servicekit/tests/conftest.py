"""Fixtures for the servicekit tests: throwaway PostgreSQL databases and unique
RabbitMQ names, against the real servers (no mocks for the things under test).

PostgreSQL: $SUANPAN_TEST_PG_URL (an admin URL; default postgres@127.0.0.1:5432).
RabbitMQ:   $SUANPAN_TEST_AMQP_URI (default guest@127.0.0.1:5672).
"""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import servicekit  # noqa: E402,F401 - sets PSYCOPG_WAIT_FUNC before psycopg loads
from sqlalchemy import MetaData, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

PG_URL = make_url(os.environ.get("SUANPAN_TEST_PG_URL",
                                 "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
AMQP_URI = os.environ.get("SUANPAN_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def _admin():
    return create_engine(PG_URL.set(database="postgres"), poolclass=NullPool,
                         isolation_level="AUTOCOMMIT")


def new_database_name(prefix="kit"):
    return f"suanpan_test_{prefix}_{uuid.uuid4().hex[:10]}"


def url_for(name):
    return PG_URL.set(database=name).render_as_string(hide_password=False)


def drop_database(name):
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def database_names():
    """Collects database names a test creates (or lets code create) and drops them."""
    names = []
    yield names
    for name in names:
        drop_database(name)


@pytest.fixture
def make_database(database_names):
    """make_database() -> URL of a new empty database, dropped after the test."""
    def make(prefix="kit"):
        name = new_database_name(prefix)
        admin = _admin()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        database_names.append(name)
        return url_for(name)
    return make


@pytest.fixture(scope="session")
def outbox_db_url():
    """One database with the outbox tables for the whole session."""
    from servicekit.outbox import outbox_tables

    name = new_database_name("outbox")
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = url_for(name)
    metadata = MetaData()
    outbox_tables(metadata)
    engine = create_engine(url, poolclass=NullPool)
    metadata.create_all(engine)
    engine.dispose()
    yield url
    drop_database(name)


@pytest.fixture
def engine(outbox_db_url):
    """An engine on the outbox database, emptied before each test (publish_pending
    publishes every pending row, so tests must not see each other's rows)."""
    from servicekit.db import make_engine

    eng = make_engine(outbox_db_url, pool_size=10)
    with eng.begin() as conn:
        conn.execute(text("TRUNCATE outbox, outbox_sequence, inbox RESTART IDENTITY"))
    yield eng
    eng.dispose()


@pytest.fixture
def amqp_uri():
    return AMQP_URI


@pytest.fixture
def service_name(amqp_uri):
    """A service name unique to this test; its `<name>.events` exchange is deleted after."""
    from kombu import Connection, Exchange

    name = f"kit{uuid.uuid4().hex[:10]}"
    yield name
    with Connection(amqp_uri) as conn:
        try:
            Exchange(f"{name}.events", type="topic")(conn.default_channel).delete()
        except Exception:  # noqa: BLE001 - never declared by this test
            pass


@pytest.fixture
def run_python():
    """Run a script in a fresh interpreter (for eventlet monkey patching, which the
    pytest process does not have). Returns the CompletedProcess."""
    def run(script, env=None, timeout=60):
        full_env = dict(os.environ)
        full_env.pop("PSYCOPG_WAIT_FUNC", None)
        full_env["PYTHONPATH"] = str(REPO_ROOT)
        full_env["PYTHONWARNINGS"] = "ignore"
        full_env.update(env or {})
        return subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=full_env,
                              capture_output=True, text=True, timeout=timeout)
    return run
