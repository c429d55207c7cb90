import json
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from kombu import Connection, Producer, Queue
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from servicekit.db import session_scope
from servicekit.inbox import claim, reliable_event_handler
from servicekit.money import Period
from servicekit.outbox import (
    OUTBOX, NewEvent, OutboxPublisher, RelayLoop, add_event, add_events, event_exchange, jsonable, publish_pending,
)

ENVELOPE_KEYS = {"event_id", "event_type", "schema_version", "occurred_at", "agency_id",
                 "client_id", "aggregate_type", "aggregate_id", "sequence", "service", "data"}


def emit(engine, service, event_type="thing_happened", aggregate_id="agg-1", **kw):
    kw.setdefault("agency_id", "agency-1")
    kw.setdefault("data", {"n": 1})
    with session_scope(engine) as session:
        return add_event(session, service=service, event_type=event_type,
                         aggregate_id=aggregate_id, **kw)


def outbox_rows(engine, *columns):
    with engine.connect() as conn:
        return conn.execute(select(*(OUTBOX.c[c] for c in columns)).order_by(OUTBOX.c.id)).all()


class EventQueue:
    """A plain kombu queue bound to `<service>.events` with routing key '#'."""

    def __init__(self, queue):
        self.queue = queue

    def take(self, count, timeout=5.0):
        messages, deadline = [], time.monotonic() + timeout
        while len(messages) < count and time.monotonic() < deadline:
            message = self.queue.get(no_ack=True)
            if message is None:
                time.sleep(0.02)
            else:
                messages.append(message)
        return messages

    def is_empty(self, settle=0.2):
        time.sleep(settle)
        return self.queue.get(no_ack=True) is None


@contextmanager
def event_queue(amqp_uri, service):
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        exchange = event_exchange(service)
        exchange(channel).declare()
        queue = Queue(f"{service}-probe", exchange=exchange, routing_key="#",
                      exclusive=True, auto_delete=True)(channel)
        queue.declare()
        yield EventQueue(queue)


# --- add_event ------------------------------------------------------------------

@pytest.mark.parametrize("count", [3, 120])  # a multi-row INSERT, and COPY
def test_add_events_numbers_each_aggregate_on_from_add_event(engine, count):
    emit(engine, "svc", aggregate_id="book-1")  # book-1 is at 1 already
    events = []
    for n in range(count):
        events.append(NewEvent("thing_happened", {"n": n, "amount": Decimal("1.50")}, agency_id="agency-1",
                               aggregate_id="book-1" if n % 2 else f"client-{n}", aggregate_type="thing"))
    with session_scope(engine) as session:
        sequences = add_events(session, events)
    odd = [s for n, s in enumerate(sequences) if n % 2]
    assert odd == list(range(2, 2 + len(odd)))  # book-1 goes on from 1, in the given order
    assert all(s == 1 for n, s in enumerate(sequences) if n % 2 == 0)  # a first event per new aggregate
    rows = outbox_rows(engine, "aggregate_id", "sequence", "data")
    assert len(rows) == count + 1
    assert rows[-1].data["amount"] == "1.50"  # JSON-safe: never a float
    with session_scope(engine) as session:
        assert add_events(session, [NewEvent("thing_happened", {}, agency_id="a", aggregate_id="book-1",
                                             aggregate_type="thing")]) == [2 + len(odd)]


def test_add_events_in_a_rolled_back_transaction_leaves_nothing(engine):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            add_events(session, [NewEvent("thing_happened", {}, agency_id="a", aggregate_id=str(n)) for n in range(60)])
            raise RuntimeError("the change failed")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM outbox_sequence")).scalar() == 0


def test_add_event_in_a_rolled_back_transaction_leaves_nothing(engine, service_name):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            add_event(session, service=service_name, event_type="thing_happened",
                      data={}, agency_id="a", aggregate_id="x")
            raise RuntimeError("the change failed")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM outbox_sequence")).scalar() == 0


def test_sequences_count_per_aggregate(engine, service_name):
    seqs = [emit(engine, service_name, aggregate_id=agg)["sequence"]
            for agg in ["a", "a", "b", "a", "b"]]
    assert seqs == [1, 2, 1, 3, 2]
    # the same id under another aggregate type is another aggregate
    assert emit(engine, service_name, aggregate_id="a", aggregate_type="other")["sequence"] == 1
    # default type: the event type minus its last word
    assert emit(engine, service_name, event_type="voucher_posted")["aggregate_type"] == "voucher"


def test_sequences_stay_gap_free_under_concurrent_writers(engine, service_name):
    errors = []

    def writer(i):
        try:
            for j in range(10):
                emit(engine, service_name, aggregate_id="A" if (i + j) % 2 else "B",
                     aggregate_type="thing", data={"writer": i, "n": j})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = outbox_rows(engine, "aggregate_id", "sequence")
    for agg in ("A", "B"):
        # in id (= publish) order the numbers run 1..40 with no gap or repeat
        assert [seq for a, seq in rows if a == agg] == list(range(1, 41))


def test_envelope_is_json_safe(engine, service_name):
    agency, client, ref = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    envelope = emit(
        engine, service_name, agency_id=agency, client_id=client, aggregate_id=ref,
        schema_version=2,
        data={"amount": Decimal("1234.50"), "big": Decimal("1E+2"), "ref": ref,
              "day": date(2026, 1, 31), "period": Period(2026, 1), "tags": ("x", "y"),
              "at": datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)},
    )
    assert set(envelope) == ENVELOPE_KEYS
    assert json.loads(json.dumps(envelope)) == envelope
    assert envelope["data"] == {"amount": "1234.50", "big": "100", "ref": str(ref),
                                "day": "2026-01-31", "period": "2026-01", "tags": ["x", "y"],
                                "at": "2026-01-01T08:00:00.000000Z"}
    assert envelope["agency_id"] == str(agency) and envelope["client_id"] == str(client)
    assert envelope["aggregate_id"] == str(ref) and envelope["schema_version"] == 2
    assert envelope["service"] == service_name
    assert envelope["occurred_at"].endswith("Z")
    assert datetime.fromisoformat(envelope["occurred_at"]).tzinfo is not None
    uuid.UUID(envelope["event_id"])


def test_floats_are_refused():
    with pytest.raises(TypeError):
        jsonable({"amount": 0.1})


# --- publishing -----------------------------------------------------------------

def test_publish_pending_delivers_exact_envelopes_in_order(engine, amqp_uri, service_name):
    with event_queue(amqp_uri, service_name) as events:
        sent = [emit(engine, service_name, aggregate_id="a", data={"i": 0}),
                emit(engine, service_name, event_type="other_happened", aggregate_id="b"),
                emit(engine, service_name, aggregate_id="a", data={"i": 2})]
        assert publish_pending(engine, amqp_uri, service_name, batch_size=2) == 3

        messages = events.take(3)
        assert [m.payload for m in messages] == sent
        for message, envelope in zip(messages, sent):
            assert message.delivery_info["routing_key"] == envelope["event_type"]
            assert message.delivery_info["exchange"] == f"{service_name}.events"
            assert message.properties["delivery_mode"] == 2
            assert message.content_type == "application/json"
            assert message.headers["event_type"] == envelope["event_type"]
            assert message.properties["message_id"] == envelope["event_id"]
        assert all(published for (published,) in outbox_rows(engine, "published_at"))

        # a second run finds nothing to send
        assert publish_pending(engine, amqp_uri, service_name) == 0
        assert events.is_empty()


def test_rows_are_marked_only_after_the_broker_took_them(engine, amqp_uri, service_name, monkeypatch):
    sent = [emit(engine, service_name, data={"i": i}) for i in range(3)]
    still_unpublished_during_publish = []
    failures = {"left": 1}
    original = Producer.publish

    def checking_publish(self, body, **kwargs):
        assert kwargs["content_type"] == "application/json"
        body = json.loads(body)  # the relay sends the envelope as JSON text
        with engine.connect() as conn:
            still_unpublished_during_publish.append(conn.execute(
                select(OUTBOX.c.published_at.is_(None))
                .where(OUTBOX.c.event_id == uuid.UUID(body["event_id"]))).scalar())
        if body["event_id"] == sent[1]["event_id"] and failures["left"]:
            failures["left"] -= 1
            raise ConnectionResetError("broker went away")
        return original(self, json.dumps(body), **kwargs)

    monkeypatch.setattr(Producer, "publish", checking_publish)
    with event_queue(amqp_uri, service_name) as events:
        with pytest.raises(ConnectionResetError):
            publish_pending(engine, amqp_uri, service_name)
        # the confirmed first row is marked; the failed one and the rest wait
        assert [p is not None for (p,) in outbox_rows(engine, "published_at")] == [True, False, False]

        assert publish_pending(engine, amqp_uri, service_name) == 2
        assert [m.payload["event_id"] for m in events.take(3)] == [e["event_id"] for e in sent]
        assert events.is_empty()
    assert still_unpublished_during_publish and all(still_unpublished_during_publish)


def test_only_the_lock_holder_publishes(engine, amqp_uri, service_name):
    emit(engine, service_name)
    with OutboxPublisher(engine, amqp_uri, service_name) as leader:
        assert leader.acquire()
        assert publish_pending(engine, amqp_uri, service_name) == 0
        assert outbox_rows(engine, "published_at") == [(None,)]
    # closing released the lock
    assert publish_pending(engine, amqp_uri, service_name) == 1


def test_backlog_metrics(engine, amqp_uri, service_name):
    def sample(name, **labels):
        return REGISTRY.get_sample_value(name, {"service": service_name, **labels})

    for _ in range(3):
        emit(engine, service_name)
    with OutboxPublisher(engine, amqp_uri, service_name) as publisher:
        assert publisher.update_metrics() == 3
    assert sample("suanpan_outbox_backlog") == 3
    assert sample("suanpan_outbox_oldest_unpublished_age_seconds") >= 0
    publish_pending(engine, amqp_uri, service_name)
    assert sample("suanpan_outbox_backlog") == 0
    assert sample("suanpan_outbox_oldest_unpublished_age_seconds") == 0
    assert sample("suanpan_outbox_published_total", event_type="thing_happened") == 3


def test_relay_loop_survives_broker_and_database_outages(engine, amqp_uri, service_name, monkeypatch):
    broker_failures = {"left": 2}
    original = Producer.publish

    def flaky_publish(self, *args, **kwargs):
        if broker_failures["left"]:
            broker_failures["left"] -= 1
            raise ConnectionResetError("broker down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Producer, "publish", flaky_publish)
    loop = RelayLoop(engine, amqp_uri, service_name, batch_size=2, poll_interval=0.02,
                     max_backoff=0.1)
    with event_queue(amqp_uri, service_name) as events:
        sent = [emit(engine, service_name, data={"i": i}) for i in range(3)]
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        try:
            first = events.take(3)
            assert [m.payload["event_id"] for m in first] == [e["event_id"] for e in sent]

            # the database drops every connection (a restart or failover)
            with engine.connect() as conn:
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
                conn.commit()
            later = [emit(engine, service_name, data={"i": i}) for i in range(3, 5)]
            second = events.take(2)
            assert [m.payload["event_id"] for m in second] == [e["event_id"] for e in later]
            assert events.is_empty()
            assert loop.failures >= 3  # two broker failures and the lost connection
        finally:
            loop.stop()
            thread.join(5)
    assert not thread.is_alive()
    # the loop let go of the lock when it stopped
    with OutboxPublisher(engine, amqp_uri, service_name) as publisher:
        assert publisher.acquire()


# --- inbox ----------------------------------------------------------------------

def test_claim_is_true_once_per_consumer(engine):
    event_id = str(uuid.uuid4())
    with session_scope(engine) as s:
        assert claim(s, event_id, "identity.audit") is True
    with session_scope(engine) as s:
        assert claim(s, event_id, "identity.audit") is False
        assert claim(s, event_id, "reporting.balances") is True
    # a rolled-back claim does not count
    other = uuid.uuid4()
    with pytest.raises(RuntimeError):
        with session_scope(engine) as s:
            assert claim(s, other, "identity.audit")
            raise RuntimeError("handler failed")
    with session_scope(engine) as s:
        assert claim(s, other, "identity.audit") is True


def test_reliable_event_handler_requeues_on_error():
    handler = reliable_event_handler("ledger", "voucher_posted")
    (entrypoint,) = handler(lambda self, env: None).nameko_entrypoints
    assert (entrypoint.source_service, entrypoint.event_type) == ("ledger", "voucher_posted")
    assert entrypoint.requeue_on_error is True


# --- a real nameko service --------------------------------------------------------

NAMEKO_ROUND_TRIP = r"""
import eventlet
eventlet.monkey_patch()
import json, sys
from eventlet.queue import LightQueue
from nameko import config
from nameko.containers import ServiceContainer
from sqlalchemy import text
from servicekit.db import Database, make_engine, session_scope
from servicekit.inbox import claim, reliable_event_handler
from servicekit.outbox import OutboxRelay, add_event

SERVICE, DB_URL, AMQP = sys.argv[1:4]
config.setup({"AMQP_URI": AMQP, "DATABASE_URL": DB_URL, "OUTBOX_POLL_INTERVAL": 0.05})
received = LightQueue()
attempts = []


class Source:
    name = SERVICE
    relay = OutboxRelay()


class Listener:
    name = SERVICE + "_listener"
    db = Database()

    @reliable_event_handler(SERVICE, "thing_happened")
    def on_thing(self, envelope):
        attempts.append(envelope["event_id"])
        with self.db.unit_of_work() as session:
            first = claim(session, envelope["event_id"], "listener.on_thing")
            if len(attempts) == 1:
                raise RuntimeError("first attempt fails: the event must come back")
        received.put({"envelope": envelope, "first": first})


listener = ServiceContainer(Listener)
listener.start()  # declares its queue, bound to <SERVICE>.events
engine = make_engine(DB_URL)
with session_scope(engine) as session:
    sent = add_event(session, service=SERVICE, event_type="thing_happened",
                     data={"amount": "12.30"}, agency_id="agency-1", aggregate_id="thing-1")
source = ServiceContainer(Source)
source.start()
try:
    got = received.get(timeout=15)
finally:
    source.stop()
    listener.stop()
with engine.connect() as conn:
    published = conn.execute(text("SELECT published_at IS NOT NULL FROM outbox")).scalar()
print(json.dumps({"sent": sent, "got": got, "attempts": len(attempts), "published": published}))
"""


def test_nameko_event_handler_receives_the_envelope(engine, outbox_db_url, amqp_uri,
                                                     service_name, run_python):
    script = NAMEKO_ROUND_TRIP.replace("sys.argv[1:4]", repr([service_name, outbox_db_url, amqp_uri]))
    try:
        result = run_python(script)
    finally:
        # nameko's durable queue for the listener (named as nameko names SERVICE_POOL queues)
        with Connection(amqp_uri) as conn:
            queue = f"evt-{service_name}-thing_happened--{service_name}_listener.on_thing"
            Queue(queue)(conn.default_channel).delete()
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["got"]["envelope"] == report["sent"]
    assert report["got"]["first"] is True  # the failed attempt's claim was rolled back
    assert report["attempts"] == 2  # requeued after the error, not lost
    assert report["published"] is True


def test_confirm_bookkeeping_settles_single_multiple_and_refused_tags():
    from servicekit.outbox import _Confirms
    confirms = _Confirms()
    tags = [confirms.sent() for _ in range(6)]
    assert tags == [1, 2, 3, 4, 5, 6]
    confirms.ack(2)  # out of order: 1 still open
    assert not confirms.acked(2) and confirms.settled_upto == 0
    confirms.ack(3, multiple=True)  # settles 1 and 3 (2 already)
    assert [confirms.acked(t) for t in (1, 2, 3)] == [True, True, True]
    confirms.nack(4)
    confirms.ack(6, multiple=True)
    assert confirms.settled_upto == 6
    assert [confirms.acked(t) for t in (4, 5, 6)] == [False, True, True]


def test_a_large_backlog_goes_out_in_order_with_batched_confirms(engine, amqp_uri, service_name):
    sent = [emit(engine, service_name, data={"i": i}) for i in range(500)]
    with event_queue(amqp_uri, service_name) as events:
        assert publish_pending(engine, amqp_uri, service_name) == 500
        assert [m.payload["event_id"] for m in events.take(500)] == [e["event_id"] for e in sent]
    assert all(p is not None for (p,) in outbox_rows(engine, "published_at"))


def test_the_published_body_is_exactly_the_envelope(engine, amqp_uri, service_name):
    sent = emit(engine, service_name, client_id="c-1",
                data={"name": "西安甲商贸有限公司", "amount": "1234.50", "nested": {"list": [1, None, True]}})
    with event_queue(amqp_uri, service_name) as events:
        assert publish_pending(engine, amqp_uri, service_name) == 1
        message = events.take(1)[0]
    assert message.payload == sent
    assert message.content_type == "application/json"
