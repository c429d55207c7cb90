"""Idempotent event consumers.

RabbitMQ delivers at least once and the outbox relay may send a row twice, so a
consumer records each event_id it handled in the `inbox` table, in the same
transaction as its own changes::

    from servicekit.inbox import claim, reliable_event_handler

    class AuditService:
        name = "identity"
        db = Database()

        @reliable_event_handler("clients", "client_created")
        def on_client_created(self, env):
            with self.db.unit_of_work() as s:
                if not claim(s, env["event_id"], "identity.audit"):
                    return  # already processed: skip, and the message is acked
                record_audit(s, env)

If the handler fails, the transaction rolls back (the claim too) and the message
goes back to the queue, so it is retried rather than lost.
"""
import uuid

from nameko.events import event_handler
from sqlalchemy.dialects.postgresql import insert

from .outbox import INBOX


def claim(session, event_id, consumer):
    """Record that `consumer` handles `event_id`. True: first time, go ahead.
    False: already processed (by this or another replica), skip it.

    A concurrent duplicate waits on the first one's uncommitted row: it gets False
    if that commits and True if that rolls back, so exactly one wins.
    """
    stmt = (
        insert(INBOX)
        .values(event_id=uuid.UUID(str(event_id)), consumer=consumer)
        .on_conflict_do_nothing(index_elements=["event_id", "consumer"])
        .returning(INBOX.c.event_id)
    )
    return session.execute(stmt).first() is not None


def reliable_event_handler(source_service, event_type, **kwargs):
    """nameko's `event_handler` with requeue_on_error=True.

    nameko's default acks the message when the handler raises, losing the event.
    Requeueing means a handler that always fails (a poison message) is retried
    forever: make handlers reject bad input by logging and returning, and raise
    only for transient trouble (database down). A BROADCAST handler with reliable
    delivery needs a fixed `broadcast_identifier` (see nameko's EventHandler).
    """
    kwargs.setdefault("requeue_on_error", True)
    return event_handler(source_service, event_type, **kwargs)
