"""Transactional outbox and the relay that publishes it.

Why: a service must never change its data without telling the others, nor tell
them about a change that was rolled back. So `add_event` writes the event into the
`outbox` table in the same transaction as the change, and a relay publishes the
committed rows to RabbitMQ afterwards (at least once, in `id` order).

    with self.db.unit_of_work() as session:
        voucher = post_voucher(session, ...)
        add_event(session, service="ledger", event_type="voucher_posted",
                  agency_id=voucher.agency_id, client_id=voucher.client_id,
                  aggregate_type="voucher", aggregate_id=voucher.id,
                  data={"voucher_id": voucher.id, "amount": voucher.amount})

    class LedgerService:
        name = "ledger"
        relay = OutboxRelay()   # publishes to the topic exchange "ledger.events"

Envelope (the message body, JSON)::

    {"event_id", "event_type", "schema_version", "occurred_at", "agency_id",
     "client_id", "aggregate_type", "aggregate_id", "sequence", "service", "data"}

`sequence` counts 1, 2, 3 ... per (aggregate_type, aggregate_id) without gaps, so a
consumer can tell a missing or reordered event. One aggregate's events are published
in sequence order (the counter's row lock makes a second writer wait for the first
to commit); events of different aggregates follow commit order only roughly. Consumers dedupe on `event_id`
(servicekit.inbox), because a relay crash between publish and marking the row
published sends that row again.

Writing: `add_event` for one event (counter and row in one statement), `add_events`
for many `NewEvent`s (one counter update per aggregate, then one INSERT or COPY).
There is no other way to write to the outbox.

Tables: every service calls `outbox_tables(metadata)` in its tables.py and
`create_outbox_tables(op)` in its first Alembic migration.
"""
import enum
import json
import logging
import socket
import threading
import time
import uuid
from datetime import date, datetime, time as dtime, timezone
from decimal import Decimal

import sqlalchemy as sa
from amqp.exceptions import MessageNacked
from kombu import Connection, Exchange, Producer
from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge
from sqlalchemy.dialects import postgresql as pg

from .config import setting
from .db import advisory_lock_key, bulk_insert, make_engine
from .money import Period

log = logging.getLogger(__name__)

OUTBOX_BACKLOG = Gauge(
    "suanpan_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISHED = Counter(
    "suanpan_outbox_published_total", "Events published from the outbox",
    ["service", "event_type"])
OUTBOX_OLDEST_AGE = Gauge(
    "suanpan_outbox_oldest_unpublished_age_seconds",
    "Age of the oldest unpublished outbox row (0 when none)", ["service"])


# --- tables -----------------------------------------------------------------

def _table_specs():
    """Fresh Column/Constraint objects for each table (SQLAlchemy objects can
    belong to one Table only, and both the metadata and migrations need them)."""
    return {
        "outbox": [
            # bigserial: the publish order
            sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
            sa.Column("event_id", sa.Uuid, nullable=False),
            sa.Column("event_type", sa.Text, nullable=False),
            sa.Column("schema_version", sa.Integer, nullable=False),
            sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
            # ids as text: the outbox carries whatever id shape the service uses
            sa.Column("agency_id", sa.Text, nullable=False),
            sa.Column("client_id", sa.Text, nullable=True),
            sa.Column("aggregate_type", sa.Text, nullable=False),
            sa.Column("aggregate_id", sa.Text, nullable=False),
            sa.Column("sequence", sa.BigInteger, nullable=False),
            sa.Column("data", pg.JSONB, nullable=False),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
            # a safety net under the sequence counter: never two events with one number
            sa.UniqueConstraint("aggregate_type", "aggregate_id", "sequence",
                                name="uq_outbox_aggregate_sequence"),
        ],
        "outbox_sequence": [
            sa.Column("aggregate_type", sa.Text, primary_key=True),
            sa.Column("aggregate_id", sa.Text, primary_key=True),
            sa.Column("last", sa.BigInteger, nullable=False),
        ],
        "inbox": [
            sa.Column("event_id", sa.Uuid, primary_key=True),
            sa.Column("consumer", sa.Text, primary_key=True),
            sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False,
                      server_default=sa.func.now()),
        ],
    }


# The relay only reads unpublished rows: a partial index keeps that cheap however
# large the published history grows.
_UNPUBLISHED_INDEX = ("ix_outbox_unpublished", "outbox", ["id"], "published_at IS NULL")


def outbox_tables(metadata):
    """Add `outbox`, `outbox_sequence` and `inbox` to `metadata`; returns the three
    Tables. Calling it twice on the same metadata returns the existing ones."""
    if "outbox" in metadata.tables:
        return tuple(metadata.tables[name] for name in ("outbox", "outbox_sequence", "inbox"))
    tables = tuple(sa.Table(name, metadata, *parts) for name, parts in _table_specs().items())
    name, table, cols, where = _UNPUBLISHED_INDEX
    sa.Index(name, *[tables[0].c[c] for c in cols], postgresql_where=sa.text(where))
    return tables


def create_outbox_tables(op):
    """For a service's first Alembic migration: `create_outbox_tables(op)`."""
    for name, parts in _table_specs().items():
        op.create_table(name, *parts)
    name, table, cols, where = _UNPUBLISHED_INDEX
    op.create_index(name, table, cols, postgresql_where=sa.text(where))


def drop_outbox_tables(op):
    op.drop_index(_UNPUBLISHED_INDEX[0], table_name="outbox")
    for name in ("inbox", "outbox_sequence", "outbox"):
        op.drop_table(name)


# Private copies used to build statements; the table names are the same in every
# service's database.
OUTBOX, OUTBOX_SEQUENCE, INBOX = outbox_tables(sa.MetaData())


# --- writing events -------------------------------------------------------------

def jsonable(value):
    """Make `value` JSON-safe the project's way: Decimal -> "1234.50" (never a float),
    UUID -> str, datetime/date -> ISO 8601, sets/tuples -> lists. Unknown types raise
    TypeError inside the caller's transaction, before anything is committed."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in events; use Decimal or str")
    if isinstance(value, Decimal):
        return format(value, "f")  # never "1E+2"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return _iso_utc(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, (date, dtime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Period):
        return str(value)  # "YYYY-MM"
    raise TypeError(f"cannot put {type(value).__name__} into an event")


def _iso_utc(moment):
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _default_aggregate_type(event_type):
    # "voucher_posted" -> "voucher"; pass aggregate_type when that guess is wrong
    return event_type.rsplit("_", 1)[0] if "_" in event_type else event_type


# The per-aggregate counter (row-locked until commit: no gaps, no duplicates) and the
# outbox row, in one statement: one round trip per event.
_ONE_EVENT = sa.text(
    "WITH seq AS (INSERT INTO outbox_sequence (aggregate_type, aggregate_id, last)"
    " VALUES (:aggregate_type, :aggregate_id, 1)"
    " ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET last = outbox_sequence.last + 1 RETURNING last)"
    " INSERT INTO outbox (event_id, event_type, schema_version, occurred_at, agency_id, client_id, aggregate_type,"
    " aggregate_id, sequence, data) SELECT CAST(:event_id AS uuid), :event_type, :schema_version, :occurred_at,"
    " :agency_id, :client_id, :aggregate_type, :aggregate_id, seq.last, CAST(:data AS jsonb) FROM seq"
    " RETURNING sequence")

# Counters for several aggregates at once (executemany, sent as multi-row statements).
_COUNTERS = (
    pg.insert(OUTBOX_SEQUENCE)
    .on_conflict_do_update(index_elements=["aggregate_type", "aggregate_id"],
                           set_={"last": OUTBOX_SEQUENCE.c.last + sa.literal_column("excluded.last")})
    .returning(OUTBOX_SEQUENCE.c.aggregate_type, OUTBOX_SEQUENCE.c.aggregate_id, OUTBOX_SEQUENCE.c.last,
               sort_by_parameter_order=True)
)


class NewEvent:
    """One event to write: what happened (`event_type`, `data`) to which aggregate,
    for which agency (and client). `aggregate_type` defaults to the event type's
    first word ("voucher_posted" -> "voucher")."""
    __slots__ = ("event_type", "data", "agency_id", "aggregate_id", "aggregate_type", "client_id")

    def __init__(self, event_type, data, *, agency_id, aggregate_id, aggregate_type=None, client_id=None):
        self.event_type = event_type
        self.data = data
        self.agency_id = str(agency_id)
        self.aggregate_id = str(aggregate_id)
        self.aggregate_type = aggregate_type or _default_aggregate_type(event_type)
        self.client_id = None if client_id is None else str(client_id)


def add_event(session, *, service, event_type, data, agency_id, aggregate_id,
              aggregate_type=None, client_id=None, schema_version=1, plain=False):
    """Write one event into the outbox in the caller's transaction; returns the envelope.

    `session` is a Session or Connection inside the transaction making the change.
    The per-aggregate sequence comes from an upsert that row-locks the counter until
    commit, so concurrent writers to one aggregate queue up: no gaps, no duplicates,
    and id order matches sequence order. (Touch several aggregates in one transaction
    in a fixed order, or two such transactions can deadlock.) `plain=True`: `data` is
    already JSON-safe (strings, ints, None, lists and dicts of them) and is not walked.
    """
    event = NewEvent(event_type, data, agency_id=agency_id, aggregate_id=aggregate_id,
                     aggregate_type=aggregate_type, client_id=client_id)
    row = _row(event, schema_version, datetime.now(timezone.utc), plain)
    row["sequence"] = session.execute(_ONE_EVENT, {**row, "event_id": str(row["event_id"]),
                                                   "data": json.dumps(row["data"], ensure_ascii=False)}).scalar_one()
    return envelope_from_row(row, service)


def add_events(session, events, *, schema_version=1, plain=False):
    """Write many `NewEvent`s in the caller's transaction, in the given order, with
    the same rows and the same gap-free per-aggregate sequences as `add_event`, but
    in a few statements: one counter update per aggregate (all in one multi-row
    statement) and one INSERT, or COPY for many rows. For imports and batches (5,000
    clients, 10,000 vouchers), where two round trips per event would dominate.
    Returns the sequences, in the order of `events`."""
    events = list(events)
    if not events:
        return []
    counts = {}
    for event in events:
        key = (event.aggregate_type, event.aggregate_id)
        counts[key] = counts.get(key, 0) + 1
    # aggregates in a fixed order, so two such writers cannot deadlock on the counters
    keys = sorted(counts)
    last = {}
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        for kind, ident, value in session.execute(_COUNTERS, [
                {"aggregate_type": kind, "aggregate_id": ident, "last": counts[(kind, ident)]} for kind, ident in chunk]):
            last[(kind, ident)] = value
    next_number = {key: last[key] - counts[key] + 1 for key in keys}
    occurred_at = datetime.now(timezone.utc)
    rows = []
    for event in events:
        row = _row(event, schema_version, occurred_at, plain)
        key = (event.aggregate_type, event.aggregate_id)
        row["sequence"] = next_number[key]
        next_number[key] += 1
        rows.append(row)
    bulk_insert(session, OUTBOX, rows)
    return [row["sequence"] for row in rows]


def _row(event, schema_version, occurred_at, plain):
    return {
        "event_id": uuid.uuid4(),
        "event_type": event.event_type,
        "schema_version": int(schema_version),
        "occurred_at": occurred_at,
        "agency_id": event.agency_id,
        "client_id": event.client_id,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "data": event.data if plain else jsonable(event.data),
    }


def envelope_from_row(row, service):
    """The message body for an outbox row (a Row or a dict)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    return {
        "event_id": str(get("event_id")),
        "event_type": get("event_type"),
        "schema_version": get("schema_version"),
        "occurred_at": _iso_utc(get("occurred_at")),
        "agency_id": get("agency_id"),
        "client_id": get("client_id"),
        "aggregate_type": get("aggregate_type"),
        "aggregate_id": get("aggregate_id"),
        "sequence": get("sequence"),
        "service": service,
        "data": get("data"),
    }


def envelope_json(row, service):
    """The message body for an outbox row read with its `data` as JSON text
    (`data_json`): the same envelope as envelope_from_row, as a JSON string."""
    head = {
        "event_id": str(row.event_id),
        "event_type": row.event_type,
        "schema_version": row.schema_version,
        "occurred_at": _iso_utc(row.occurred_at),
        "agency_id": row.agency_id,
        "client_id": row.client_id,
        "aggregate_type": row.aggregate_type,
        "aggregate_id": row.aggregate_id,
        "sequence": row.sequence,
        "service": service,
    }
    text = json.dumps(head, ensure_ascii=False)
    return text[:-1] + ', "data": ' + row.data_json + "}", head["event_id"]


# --- publishing -----------------------------------------------------------------

def event_exchange(service):
    # Same attributes as nameko's get_event_exchange, so both can declare it.
    return Exchange(f"{service}.events", type="topic", durable=True, delivery_mode=2)


# messages published between two yields to the service's other green threads
YIELD_EVERY = 50


class _Confirms:
    """Publisher-confirm bookkeeping for one channel: delivery tags count from 1 in
    publish order; the broker acks (or nacks) one tag or, with `multiple`, every
    tag up to it."""

    def __init__(self):
        self.last_sent = 0
        self.settled_upto = 0  # every tag <= this is settled
        self.settled = {}  # tag -> True (ack) / False (nack), above settled_upto
        self.nacked = set()

    def sent(self):
        self.last_sent += 1
        return self.last_sent

    def _settle(self, tag, multiple, ok):
        if multiple:
            for t in range(self.settled_upto + 1, tag + 1):
                self.settled.setdefault(t, ok)
        else:
            self.settled[tag] = ok
        for t, good in list(self.settled.items()):
            if not good:
                self.nacked.add(t)
        while self.settled_upto + 1 in self.settled:
            self.settled_upto += 1
            self.settled.pop(self.settled_upto)

    def ack(self, delivery_tag, multiple=False):
        self._settle(delivery_tag, multiple, True)

    def nack(self, delivery_tag, multiple=False):
        self._settle(delivery_tag, multiple, False)

    def acked(self, tag):
        return tag <= self.settled_upto and tag not in self.nacked

    def wait(self, connection, upto, timeout):
        """Drain the connection until every tag up to `upto` is settled."""
        deadline = time.monotonic() + timeout
        while self.settled_upto < upto:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the broker did not confirm {upto - self.settled_upto} events in {timeout}s")
            try:
                connection.drain_events(timeout=min(remaining, 1.0))
            except socket.timeout:
                pass


class OutboxPublisher:
    """Publishes outbox rows; plain Python, no nameko.

    Holds one database connection with a session-level advisory lock: only the
    replica holding it publishes, which keeps the order and avoids double sends.
    The batch is read and marked on that same connection, so losing the
    connection also loses the right to publish.
    """

    confirm_timeout = 10

    def __init__(self, engine, amqp_uri, service, batch_size=100):
        self.engine = engine
        self.amqp_uri = amqp_uri
        self.service = service
        self.batch_size = batch_size
        self.lock_key = advisory_lock_key("outbox", service)
        self.is_leader = False
        self._db = None
        self._amqp = None
        self._producer = None
        self._confirms = None

    def acquire(self):
        """Take (or confirm) the publishing lock; False if another replica has it."""
        if self._db is None:
            self._db = self.engine.connect()
        if not self.is_leader:
            self.is_leader = bool(self._db.execute(
                sa.select(sa.func.pg_try_advisory_lock(self.lock_key))).scalar())
            self._db.commit()
        return self.is_leader

    def _producer_ready(self):
        if self._producer is None:
            # Publisher confirms for the whole batch: every message is sent, then the
            # broker's acks are awaited together (one message at a time, waiting for
            # each ack, managed about 170 events/s here). A row is marked published
            # only once RabbitMQ has acked it.
            self._amqp = Connection(self.amqp_uri, connect_timeout=5)
            self._amqp.ensure_connection(max_retries=1)
            exchange = event_exchange(self.service)
            channel = self._amqp.channel()
            exchange(channel).declare()
            channel.confirm_select()
            self._confirms = _Confirms()
            channel.events["basic_ack"].add(self._confirms.ack)
            channel.events["basic_nack"].add(self._confirms.nack)
            self._producer = Producer(channel, exchange=exchange, serializer="json",
                                      auto_declare=False)
        return self._producer

    def publish_batch(self):
        """Publish up to batch_size rows in id order. Returns how many were
        published (0 when idle or when another replica holds the lock)."""
        if not self.acquire():
            return 0
        # `data` as its JSON text: spliced into the message as it is, not parsed and
        # re-encoded (that was a third of the relay's CPU under load)
        columns = [c for c in OUTBOX.c if c.name != "data"] + [sa.cast(OUTBOX.c.data, sa.Text).label("data_json")]
        rows = self._db.execute(
            sa.select(*columns).where(OUTBOX.c.published_at.is_(None))
            .order_by(OUTBOX.c.id).limit(self.batch_size)
        ).all()
        self._db.commit()
        if not rows:
            return 0
        producer = self._producer_ready()
        confirms = self._confirms
        tags, done = [], []
        try:
            for row in rows:
                body, event_id = envelope_json(row, self.service)
                producer.publish(
                    body,
                    routing_key=row.event_type,
                    delivery_mode=2,
                    content_type="application/json",
                    content_encoding="utf-8",
                    headers={"event_type": row.event_type,
                             "event_id": event_id,
                             "schema_version": row.schema_version},
                    message_id=event_id,
                )
                tags.append(confirms.sent())
                if len(tags) % YIELD_EVERY == 0:
                    # under eventlet (monkey-patched time) this lets the service's
                    # requests run between slices of a large batch
                    time.sleep(0)
            confirms.wait(self._amqp, tags[-1], self.confirm_timeout)
        finally:
            if tags and len(tags) < len(rows):
                # a publish failed midway: still collect the acks for what went out
                try:
                    confirms.wait(self._amqp, tags[-1], self.confirm_timeout)
                except Exception:  # noqa: BLE001 - the publish error is the one raised
                    pass
            # Mark the confirmed prefix, so a retry sends fewer duplicates and the
            # order stays: the first unconfirmed row and all after it go again.
            for tag, row in zip(tags, rows):
                if not confirms.acked(tag):
                    break
                done.append(row)
            self._mark(done)
        if len(done) < len(rows):
            raise MessageNacked(f"the broker refused {len(rows) - len(done)} of {len(rows)} events")
        return len(done)

    def _mark(self, rows):
        if rows:
            self._db.execute(sa.update(OUTBOX).where(OUTBOX.c.id.in_([r.id for r in rows]))
                             .values(published_at=sa.func.now()))
            self._db.commit()
            for r in rows:
                OUTBOX_PUBLISHED.labels(self.service, r.event_type).inc()

    def update_metrics(self):
        with self.engine.connect() as conn:
            count, age = conn.execute(sa.text(
                "SELECT count(*), coalesce(extract(epoch FROM now() - min(occurred_at)), 0)"
                " FROM outbox WHERE published_at IS NULL")).one()
        OUTBOX_BACKLOG.labels(self.service).set(count)
        OUTBOX_OLDEST_AGE.labels(self.service).set(max(float(age), 0.0))
        return count

    def close(self, broken=False):
        """Release the lock and the connections. `broken=True` after an error:
        the DB connection is discarded (which also drops the lock server-side)."""
        if self._db is not None:
            try:
                if broken:
                    self._db.invalidate()
                elif self.is_leader:
                    self._db.rollback()
                    self._db.execute(sa.select(sa.func.pg_advisory_unlock(self.lock_key)))
                    self._db.commit()
            except Exception:  # noqa: BLE001 - closing anyway
                log.debug("outbox: unlock failed", exc_info=True)
                try:
                    self._db.invalidate()
                except Exception:  # noqa: BLE001
                    pass
            finally:
                try:
                    self._db.close()
                except Exception:  # noqa: BLE001
                    pass
        if self._amqp is not None:
            try:
                self._amqp.release()
            except Exception:  # noqa: BLE001
                pass
        self._db = self._amqp = self._producer = self._confirms = None
        self.is_leader = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(broken=exc_type is not None)


def publish_pending(engine, amqp_uri, service, batch_size=100):
    """Publish every pending outbox row now (the relay's work, driven by hand).
    Returns the number published; 0 if another publisher holds the lock."""
    total = 0
    with OutboxPublisher(engine, amqp_uri, service, batch_size) as publisher:
        while True:
            count = publisher.publish_batch()
            total += count
            if count < batch_size:
                break
        publisher.update_metrics()
    return total


class RelayLoop:
    """The relay's loop, without nameko: poll, publish, back off on failure.

    Runs in a green thread under nameko (threading is monkey-patched) or in a real
    thread in tests. Any failure (broker down, database restarted) is logged, the
    connections are dropped and rebuilt after a growing pause; rows are only marked
    after the broker confirmed them, so nothing is lost or skipped.
    """

    def __init__(self, engine, amqp_uri, service, batch_size=100, poll_interval=0.2,
                 max_backoff=10.0, metrics_interval=1.0):
        self.engine = engine
        self.amqp_uri = amqp_uri
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.metrics_interval = metrics_interval
        self.failures = 0
        self._stop = threading.Event()

    def stop(self):
        self._stop.set()

    def run(self):
        publisher = OutboxPublisher(self.engine, self.amqp_uri, self.service, self.batch_size)
        backoff = self.poll_interval
        last_metrics = 0.0
        try:
            while not self._stop.is_set():
                try:
                    count = publisher.publish_batch()
                    if time.monotonic() - last_metrics >= self.metrics_interval:
                        publisher.update_metrics()
                        last_metrics = time.monotonic()
                    backoff = self.poll_interval
                except Exception as exc:  # noqa: BLE001 - survive outages, retry
                    self.failures += 1
                    backoff = min(max(backoff * 2, 0.5), self.max_backoff)
                    log.warning("outbox relay for %s failed (%s: %s); retrying in %.1fs",
                                self.service, type(exc).__name__, exc, backoff)
                    publisher.close(broken=True)
                    self._stop.wait(backoff)
                    continue
                if count < self.batch_size:
                    self._stop.wait(self.poll_interval)
                # a full batch: go again at once (the wait above also yields to
                # other green threads; a full batch did network I/O, which yields too)
        finally:
            publisher.close()


class OutboxRelay(DependencyProvider):
    """Add to a service class (`relay = OutboxRelay()`) to publish its outbox.

    Config: DATABASE_URL, AMQP_URI, OUTBOX_POLL_INTERVAL (seconds, 0.2),
    OUTBOX_BATCH_SIZE (100), OUTBOX_RELAY_ENABLED (true; false in tests that
    drive publish_pending themselves).
    """

    def __init__(self, url_key="DATABASE_URL"):
        self.url_key = url_key
        self.loop = None
        self.engine = None
        self._gt = None

    def setup(self):
        if not setting("OUTBOX_RELAY_ENABLED", True, bool):
            return
        url = setting(self.url_key)
        if not url:
            raise RuntimeError(f"{self.url_key} is not configured (needed by OutboxRelay)")
        # one connection holds the lock and does the work; one more for metrics
        self.engine = make_engine(url, pool_size=1, max_overflow=1)
        self.loop = RelayLoop(
            self.engine,
            setting("AMQP_URI", "amqp://guest:guest@localhost:5672/"),
            self.container.service_name,
            batch_size=setting("OUTBOX_BATCH_SIZE", 500, int),
            poll_interval=setting("OUTBOX_POLL_INTERVAL", 0.2, float),
        )

    def start(self):
        if self.loop is not None:
            self._gt = self.container.spawn_managed_thread(self.loop.run, identifier="outbox_relay")

    def stop(self):
        if self.loop is not None:
            self.loop.stop()
        if self._gt is not None:
            self._gt.wait()  # finishes the batch in hand, then unlocks
            self._gt = None
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        if self.loop is not None:
            self.loop.stop()
        if self._gt is not None:
            self._gt.kill()
            self._gt = None
        if self.engine is not None:
            self.engine.dispose()  # closing the connection releases the lock

    def get_dependency(self, worker_ctx):
        return self.loop
