"""What every use case needs: the transaction, the clock, the caller, the settings,
and the clients directory (RPC) for questions about client companies."""
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from servicekit.auth import AuthContext
from servicekit.outbox import add_event

# business dates are Asia/Shanghai dates (UTC+8 all year, no daylight saving)
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass
class Deps:
    """Long-lived tools, built once per service process."""
    settings: object  # LedgerSettings


@dataclass
class Call:
    """One request: the open transaction, the time, who calls and from where."""
    session: object
    now: datetime
    deps: Deps
    auth: AuthContext = None
    ip: str = None
    user_agent: str = None
    clients: object = None  # ClientDirectory, for the caller's view of client companies

    @property
    def settings(self):
        return self.deps.settings

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()

    def publish(self, event_type, data, *, book, schema_version=1):
        """An event on ledger.events about one book. The book is the aggregate, so
        every event of a book carries the next number of one gap-free sequence
        (`sequence` in the envelope): a subscriber detects a gap and can rebuild
        from the posted-entries export. Returns the envelope."""
        return add_event(self.session, service="ledger", event_type=event_type, data=data,
                         agency_id=book.agency_id, client_id=str(book.client_id), aggregate_type="book",
                         aggregate_id=str(book.id), schema_version=schema_version)


def new_id():
    return str(uuid.uuid4())


def valid_uuid(value):
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None
