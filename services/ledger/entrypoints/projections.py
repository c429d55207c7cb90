"""What the ledger learns from other services' events."""
from servicekit.inbox import reliable_event_handler

from ..usecases import projections
from .base import LedgerBase


class ProjectionEntrypoints(LedgerBase):
    @reliable_event_handler("clients", "assignment_changed")
    def on_assignment_changed(self, envelope):
        """Keep client_staff (who serves which client) in step with clients."""
        with self.db.unit_of_work() as session:
            projections.apply_assignment_changed(session, envelope)
