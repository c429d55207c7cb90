"""identity's events: what it publishes and what it consumes. Follow an event from
here to RabbitMQ: each function below writes one event into the outbox in the use
case's transaction (`session`, through servicekit.outbox), and the relay publishes it on the topic
exchange `identity.events` with the event type as routing key.

Published (docs/events.md has the envelope):
- agency_created   an agency finished registering (aggregate: the agency)
- user_created     a user was added: the first admin, or by an admin (aggregate: the user)
- user_updated     name, roles, client_id or disabled changed (aggregate: the user)
- session_revoked  sessions ended: logout, password change, roles changed, reuse of a
                   refresh token… (aggregate: the user); gateways drop them at once

Consumed: the audit log follows six events of the other services (AuditFeed below,
usecases/audit_feed.py says what each becomes)."""
from servicekit.outbox import add_event
from servicekit.service import consumes

from .usecases import audit_feed
from .usecases.views import agency_view

SERVICE = "identity"

# the inbox consumer of the audit feed: kept as it is, so deduplication survives upgrades
AUDIT_CONSUMER = "identity.audit"


def event_user(user):
    """What other services may know of a user: no contact details, no secrets."""
    return {"id": user.id, "name": user.name, "roles": list(user.roles), "client_id": user.client_id,
            "disabled": user.disabled}


def agency_created(session, agency):
    add_event(session, service=SERVICE, event_type="agency_created", data={"agency": agency_view(agency)},
              agency_id=agency.id, aggregate_type="agency", aggregate_id=agency.id)


def user_created(session, user):
    add_event(session, service=SERVICE, event_type="user_created", data={"user": event_user(user)},
              agency_id=user.agency_id, aggregate_type="user", aggregate_id=user.id)


def user_updated(session, user, changed):
    add_event(session, service=SERVICE, event_type="user_updated",
              data={"user": event_user(user), "changed": sorted(changed)},
              agency_id=user.agency_id, aggregate_type="user", aggregate_id=user.id)


def session_revoked(session, user, session_ids, reason):
    add_event(session, service=SERVICE, event_type="session_revoked",
              data={"session_ids": list(session_ids), "user_id": user.id, "reason": reason},
              agency_id=user.agency_id, aggregate_type="user", aggregate_id=user.id)


class AuditFeed:
    """The events identity consumes: each appends one entry to the agency's audit log,
    once per event (inbox consumer "identity.audit"). The method names fix the queue
    names (evt-<source>-<event>--identity.<method>): keep them."""

    @consumes("clients", "sensitive_revealed", consumer=AUDIT_CONSUMER)
    def audit_sensitive_revealed(self, call, envelope):
        audit_feed.record(call.session, "clients", envelope)

    @consumes("clients", "assignment_changed", consumer=AUDIT_CONSUMER)
    def audit_assignment_changed(self, call, envelope):
        audit_feed.record(call.session, "clients", envelope)

    @consumes("clients", "client_status_changed", consumer=AUDIT_CONSUMER)
    def audit_client_status_changed(self, call, envelope):
        audit_feed.record(call.session, "clients", envelope)

    @consumes("ledger", "period_closed", consumer=AUDIT_CONSUMER)
    def audit_period_closed(self, call, envelope):
        audit_feed.record(call.session, "ledger", envelope)

    @consumes("ledger", "period_reopened", consumer=AUDIT_CONSUMER)
    def audit_period_reopened(self, call, envelope):
        audit_feed.record(call.session, "ledger", envelope)

    @consumes("ledger", "voucher_reversed", consumer=AUDIT_CONSUMER)
    def audit_voucher_reversed(self, call, envelope):
        audit_feed.record(call.session, "ledger", envelope)
