"""servicekit.idempotency against a real, throwaway PostgreSQL database."""
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from servicekit.db import make_engine, session_scope
from servicekit.errors import Conflict
from servicekit.idempotency import Idempotency, idempotency_table

METADATA = MetaData()
TABLE = idempotency_table(METADATA)
SCOPE = "agency-1:user-1:create_user"
REQUEST = {"login": "zhangsan", "roles": ["accountant"], "name": "张三"}
REPLY = {"id": "u-123", "login": "zhangsan", "name": "张三", "n": 1, "nested": {"ok": True}}


@pytest.fixture(scope="module")
def idem_url():
    from servicekit.tests.conftest import _admin, drop_database, new_database_name, url_for

    name = new_database_name("idem")
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = url_for(name)
    engine = create_engine(url, poolclass=NullPool)
    METADATA.create_all(engine)
    engine.dispose()
    yield url
    drop_database(name)


@pytest.fixture
def engine(idem_url):
    eng = make_engine(idem_url, pool_size=4)
    with eng.begin() as conn:
        conn.execute(text("TRUNCATE idempotency_keys"))
    yield eng
    eng.dispose()


@pytest.fixture
def idem():
    return Idempotency(TABLE)


def stored_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(TABLE.c.scope, TABLE.c.key, TABLE.c.response).order_by(TABLE.c.key)).all()


def test_table_shape():
    assert [c.name for c in TABLE.primary_key] == ["scope", "key"]
    assert set(TABLE.c.keys()) == {"scope", "key", "request_hash", "response", "created_at"}


def test_first_begin_goes_on_then_a_retry_replays(engine, idem):
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-1", REQUEST) is None
        assert idem.finish(session, SCOPE, "key-1", REPLY) == REPLY
    rows = stored_rows(engine)
    assert [(r.scope, r.key, r.response) for r in rows] == [(SCOPE, "key-1", REPLY)]
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-1", REQUEST) == REPLY
    # the same request with its keys in another order is the same request
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-1", dict(reversed(list(REQUEST.items())))) == REPLY
    assert len(stored_rows(engine)) == 1


def test_same_key_different_request_is_a_conflict(engine, idem):
    with session_scope(engine) as session:
        idem.begin(session, SCOPE, "key-1", REQUEST)
        idem.finish(session, SCOPE, "key-1", REPLY)
    with pytest.raises(Conflict) as info:
        with session_scope(engine) as session:
            idem.begin(session, SCOPE, "key-1", {**REQUEST, "login": "lisi"})
    assert info.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert info.value.status == 409
    assert info.value.message and info.value.message_en
    # the stored reply is untouched
    assert stored_rows(engine)[0].response == REPLY


def test_scopes_and_keys_are_independent(engine, idem):
    other_scope = "agency-2:user-9:create_user"
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-1", REQUEST) is None
        idem.finish(session, SCOPE, "key-1", REPLY)
    with session_scope(engine) as session:
        # another agency/user using the same key value is a different request altogether
        assert idem.begin(session, other_scope, "key-1", {"something": "else"}) is None
        idem.finish(session, other_scope, "key-1", {"id": "other"})
        assert idem.begin(session, SCOPE, "key-2", REQUEST) is None
        idem.finish(session, SCOPE, "key-2", {"id": "second"})
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-1", REQUEST) == REPLY
        assert idem.begin(session, other_scope, "key-1", {"something": "else"}) == {"id": "other"}
        assert idem.begin(session, SCOPE, "key-2", REQUEST) == {"id": "second"}
    assert len(stored_rows(engine)) == 3


@pytest.mark.parametrize("key", [None, ""])
def test_no_key_means_no_idempotency(engine, idem, key):
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, key, REQUEST) is None
        assert idem.finish(session, SCOPE, key, REPLY) == REPLY
        assert idem.begin(session, SCOPE, key, REQUEST) is None
    assert stored_rows(engine) == []


def test_rolled_back_change_forgets_the_key(engine, idem):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            assert idem.begin(session, SCOPE, "key-1", REQUEST) is None
            raise RuntimeError("the change failed")
    assert stored_rows(engine) == []
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-1", REQUEST) is None


def test_request_fingerprint_handles_non_json_values(engine, idem):
    request = {"amount": Decimal("12.50"), "period": "2026-01"}
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-d", request) is None
        idem.finish(session, SCOPE, "key-d", {"ok": True})
    with session_scope(engine) as session:
        assert idem.begin(session, SCOPE, "key-d", {"period": "2026-01", "amount": Decimal("12.50")}) == {"ok": True}


def _wait_for_lock_waiter(engine, database, timeout=5.0):
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"
            ), {"db": database}).scalar()
            conn.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.parametrize("first_commits", [True, False], ids=["first_commits", "first_rolls_back"])
def test_concurrent_first_requests_wait_for_each_other(engine, idem, idem_url, first_commits):
    """Two transactions with the same key: the second blocks on the first's row and,
    once the first commits, gets its reply (or goes on itself if the first rolled back)."""
    database = engine.url.database
    first = Session(engine)
    assert idem.begin(first, SCOPE, "key-c", REQUEST) is None  # holds the new row, uncommitted
    idem.finish(first, SCOPE, "key-c", REPLY)

    outcome = {}

    def second_request():
        try:
            with session_scope(engine) as session:
                outcome["reply"] = idem.begin(session, SCOPE, "key-c", REQUEST)
                if outcome["reply"] is None:
                    idem.finish(session, SCOPE, "key-c", {"id": "made-by-second"})
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=second_request, daemon=True)
    thread.start()
    try:
        assert _wait_for_lock_waiter(engine, database), "the second transaction did not wait on the first"
        assert "reply" not in outcome and thread.is_alive()
    finally:
        if first_commits:
            first.commit()
        else:
            first.rollback()
        first.close()
    thread.join(10)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    if first_commits:
        assert outcome["reply"] == REPLY
        assert [r.response for r in stored_rows(engine)] == [REPLY]
    else:
        assert outcome["reply"] is None
        assert [r.response for r in stored_rows(engine)] == [{"id": "made-by-second"}]


class _Caller:
    agency_id, user_id = "agency-1", "user-1"


def test_once_runs_the_change_once_per_key_and_caller(engine, idem):
    made = []

    def make():
        made.append(1)
        return {**REPLY, "n": len(made)}

    with session_scope(engine) as s:
        first = idem.once(s, _Caller, "create_user", "key-9", REQUEST, make)
    with session_scope(engine) as s:
        again = idem.once(s, _Caller, "create_user", "key-9", REQUEST, make)
    assert first == again == {**REPLY, "n": 1} and len(made) == 1
    assert stored_rows(engine)[0].scope == SCOPE  # the same scope the services always used
    with session_scope(engine) as s:  # no key: no bookkeeping, the change each time
        assert idem.once(s, _Caller, "create_user", None, REQUEST, make)["n"] == 2
    with session_scope(engine) as s:  # a public call is scoped to "-"
        idem.once(s, None, "register", "key-9", REQUEST, make)
    assert {row.scope for row in stored_rows(engine)} == {SCOPE, "-:-:register"}


def test_once_does_not_keep_a_reply_it_is_told_not_to(engine, idem):
    replies = iter([{"refused": True}, {"ok": True}])
    with session_scope(engine) as s:
        assert idem.once(s, _Caller, "login", "k", REQUEST, lambda: next(replies),
                         keep=lambda reply: "ok" in reply) == {"refused": True}
    with session_scope(engine) as s:  # the retry runs again (a refusal is not the first reply)
        assert idem.once(s, _Caller, "login", "k", REQUEST, lambda: next(replies),
                         keep=lambda reply: "ok" in reply) == {"ok": True}
    with session_scope(engine) as s:
        assert idem.once(s, _Caller, "login", "k", REQUEST, lambda: {"never": True}) == {"ok": True}
