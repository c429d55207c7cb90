"""What every use case needs: the transaction, the clock, the caller, the settings
and the field cipher."""
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

from servicekit.auth import AuthContext
from servicekit.outbox import OUTBOX, OUTBOX_SEQUENCE, add_event, jsonable

EVENT_BATCH = 1000

# business dates are Asia/Shanghai dates (UTC+8 all year, no daylight saving)
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass
class Deps:
    """Long-lived tools, built once per service process."""
    settings: object  # ClientsSettings
    cipher: object  # servicekit.crypto.FieldCipher


@dataclass
class Call:
    """One request: the open transaction, the time, who calls and from where."""
    session: object
    now: datetime
    deps: Deps
    auth: AuthContext = None
    ip: str = None
    user_agent: str = None

    @property
    def settings(self):
        return self.deps.settings

    @property
    def cipher(self):
        return self.deps.cipher

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()

    def publish(self, event_type, data, *, client_id, schema_version=1):
        """An event on clients.events. Every event is about one client, and the client
        is the aggregate: a subscriber sees one gap-free, ordered stream per client."""
        return add_event(self.session, service="clients", event_type=event_type, data=data,
                         agency_id=self.auth.agency_id, client_id=str(client_id), aggregate_type="client",
                         aggregate_id=str(client_id), schema_version=schema_version)

    def publish_many(self, events, schema_version=1):
        """[(event_type, data, client_id)] for DIFFERENT clients, written like
        `publish` (same outbox rows, same per-client sequence counter) but with one
        statement per thousand events instead of two per event: an import of
        5,000 clients would otherwise spend most of its time on round trips.
        (A candidate for servicekit.outbox as `add_events`.)"""
        clients = [str(client_id) for _, _, client_id in events]
        if len(set(clients)) != len(clients):
            raise ValueError("publish_many takes one event per client; use publish for several")
        counter = pg_insert(OUTBOX_SEQUENCE).on_conflict_do_update(
            index_elements=["aggregate_type", "aggregate_id"], set_={"last": OUTBOX_SEQUENCE.c.last + 1},
        ).returning(OUTBOX_SEQUENCE.c.aggregate_id, OUTBOX_SEQUENCE.c.last, sort_by_parameter_order=True)
        for start in range(0, len(events), EVENT_BATCH):
            chunk = events[start:start + EVENT_BATCH]
            # executemany: SQLAlchemy sends these as multi-row statements ("insertmanyvalues")
            sequence = dict(self.session.execute(counter, [
                {"aggregate_type": "client", "aggregate_id": str(client_id), "last": 1}
                for _, _, client_id in chunk]).all())
            occurred_at = datetime.now(timezone.utc)
            self.session.execute(insert(OUTBOX), [{
                "event_id": uuid.uuid4(), "event_type": event_type, "schema_version": int(schema_version),
                "occurred_at": occurred_at, "agency_id": str(self.auth.agency_id), "client_id": str(client_id),
                "aggregate_type": "client", "aggregate_id": str(client_id), "sequence": sequence[str(client_id)],
                "data": jsonable(data),
            } for event_type, data, client_id in chunk])


def new_id():
    return str(uuid.uuid4())


def valid_uuid(value):
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None
