"""The clients service's events: what it publishes on the topic exchange
`clients.events` (one function per event type, each writing to the outbox in the
caller's transaction) and what it consumes (the `@consumes` handlers below). The
shapes are in docs/events.md.

Every event published is about one client, and the client is the aggregate
(aggregate_type "client"): a subscriber sees one gap-free, ordered stream per client,
its contracts and assignments in order with the rest of its history."""
from servicekit.auth import AuthContext
from servicekit.outbox import NewEvent, add_event, add_events
from servicekit.service import consumes

from .usecases import assignments, ledger_progress
from .usecases.views import event_client, event_contract

SERVICE = "clients"


# -- published -------------------------------------------------------------------------

def _publish(call, event_type, client_id, data):
    client_id = str(client_id)
    return add_event(call.session, service=SERVICE, event_type=event_type, data=data, agency_id=call.auth.agency_id,
                     client_id=client_id, aggregate_type="client", aggregate_id=client_id)


def client_created(call, client):
    """A client was created (`client`: its row, or a dict seen as one)."""
    return _publish(call, "client_created", client.id, {"client": event_client(client)})


def clients_created(call, clients):
    """client_created for each of many new clients (an import): the same rows as
    `client_created`, written in a few statements instead of one per client."""
    return add_events(call.session, [
        NewEvent("client_created", {"client": event_client(client)}, agency_id=call.auth.agency_id,
                 client_id=client.id, aggregate_type="client", aggregate_id=client.id)
        for client in clients])


def client_updated(call, client_id, version, changed, values=None):
    """The company's fields changed (`values`: their new values), or its contacts or bank
    accounts did (`changed` names them, without values: they are personal)."""
    return _publish(call, "client_updated", client_id, {"client_id": client_id, "version": version,
                                                         "changed": sorted(changed), "values": values or {}})


def client_status_changed(call, client_id, before, after, reason, version):
    return _publish(call, "client_status_changed", client_id, {
        "client_id": client_id, "from": before, "to": after, "reason": reason, "version": version,
        "actor_id": call.auth.user_id})


def assignment_changed(call, client_id, role, before_user_id, after_user_id):
    """Who holds `role` for the client changed (None: nobody); the actor is empty when
    the service itself did it, following identity."""
    return _publish(call, "assignment_changed", client_id, {
        "client_id": client_id, "role": role, "before_user_id": before_user_id, "after_user_id": after_user_id,
        "actor_id": call.auth.user_id})


def contract_changed(call, contract, change):
    """`change`: created, edited, activated, amended or terminated (`contract`: its row)."""
    return _publish(call, "contract_changed", contract.client_id, {"change": change,
                                                                   "contract": event_contract(contract)})


def sensitive_revealed(call, client_id, field, reason, bank_account_id=None):
    """Someone was shown a sensitive value in full (never the value itself)."""
    data = {"client_id": client_id, "field": field, "actor_id": call.auth.user_id, "reason": reason}
    if bank_account_id:
        data["bank_account_id"] = bank_account_id
    return _publish(call, "sensitive_revealed", client_id, data)


# -- consumed ----------------------------------------------------------------------------
#
# The consumer names are the inbox's keys for "already handled": renaming one would
# handle again every event still on its queue.

def _as_system(call, envelope):
    """What the service does following another service's event, it does as "system"
    in the event's agency (no user: the actor in history and events is empty)."""
    call.auth = AuthContext(agency_id=envelope.get("agency_id"), user_id=None, roles=("system",))
    return call


class ConsumedEvents:
    """The event handlers of ClientsService (a mixin of service.py)."""

    @consumes("identity", "user_updated", consumer="clients.user_updated")
    def on_user_updated(self, call, envelope):
        assignments.follow_user(_as_system(call, envelope), envelope)

    # the board's books part (usecases/ledger_progress.py): one consumer for the three
    @consumes("ledger", "voucher_posted", consumer="clients.ledger_progress")
    def on_voucher_posted(self, call, envelope):
        ledger_progress.follow(_as_system(call, envelope), envelope)

    @consumes("ledger", "period_closed", consumer="clients.ledger_progress")
    def on_period_closed(self, call, envelope):
        ledger_progress.follow(_as_system(call, envelope), envelope)

    @consumes("ledger", "period_reopened", consumer="clients.ledger_progress")
    def on_period_reopened(self, call, envelope):
        ledger_progress.follow(_as_system(call, envelope), envelope)
