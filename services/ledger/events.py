"""Everything the ledger publishes and consumes: the one place to follow a ledger
event to RabbitMQ.

Published on the topic exchange `ledger.events` (routing key = event type), through
the transactional outbox (servicekit.outbox: written in the use case's transaction,
sent by the relay after commit). The aggregate is the BOOK: every event of a book,
whatever it is about, carries the next number of one gap-free sequence
(`aggregate_type` "book", `aggregate_id` the book's id), so a subscriber detects a
gap and can rebuild from the posted-entries export. One event is one statement
(counter and row together); a batch is one counter update and one COPY.

    book_created        {book}
    voucher_created     {voucher: header, line_count}        one per voucher, batches too
    voucher_updated     {voucher: header, line_count}
    voucher_deleted     {voucher_id, period, word, number, reversal_of}
    voucher_reviewed    {voucher_id, period, word, number, reviewed_by, reviewed_at}
    voucher_unreviewed  {voucher_id, period, word, number, unreviewed_by}
    voucher_posted      {voucher: with its lines}             its sequence is kept in vouchers.posted_sequence
    voucher_reversed    {voucher_id, period, word, number, actor_id, reversal}
    vouchers_renumbered {period, word, changes: [{voucher_id, from, to}]}
    period_closed       {book_id, period, status, closed_at, closed_by, next_period, totals}
    period_reopened     {book_id, period, status, reopened_at, reopened_by}

Consumed (`EventHandlers`, mixed into the service class; each event once per
consumer through the inbox):

    clients.assignment_changed -> client_staff (who serves which client), consumer "ledger.client_staff"
"""
from servicekit.outbox import NewEvent, add_event, add_events, jsonable
from servicekit.service import consumes

from .usecases import projections

SERVICE = "ledger"
AGGREGATE = "book"

HEADER_FIELDS = ("id", "period", "date", "word", "number", "attachments", "status", "source", "total",
                 "reversal_of", "created_by", "created_at", "version")


# -- writing ------------------------------------------------------------------------------------

def _about_book(call, book, event_type, items, plain=False):
    """Events of one type about `book`, one per item of `items` (their data); returns
    their sequences. One event: one statement; more: add_events (COPY from 50).
    `plain=True` where the data is built JSON-safe here (views are), so the outbox
    does not walk it again: the per-call path."""
    if not items:
        return []
    if len(items) == 1:
        return [add_event(call.session, service=SERVICE, event_type=event_type, data=items[0],
                          agency_id=book.agency_id, client_id=book.client_id, aggregate_type=AGGREGATE,
                          aggregate_id=book.id, plain=plain)["sequence"]]
    return add_events(call.session, [
        NewEvent(event_type, data, agency_id=book.agency_id, client_id=book.client_id, aggregate_type=AGGREGATE,
                 aggregate_id=book.id) for data in items], plain=plain)


def voucher_header(view):
    """A voucher in events other than voucher_posted: the header, no lines."""
    return {key: view[key] for key in HEADER_FIELDS}


def book_created(call, book, view):
    data = {key: view[key] for key in ("id", "client_id", "name", "standard", "start_period", "currency",
                                       "voucher_words", "allow_self_review", "created_at")}
    _about_book(call, book, "book_created", [{"book": data}], plain=True)


def voucher_created(call, book, created):
    """`created`: [(view, line_count)] in creation order (views are JSON-safe)."""
    _about_book(call, book, "voucher_created", [{"voucher": voucher_header(view), "line_count": count}
                                                for view, count in created], plain=True)


def voucher_updated(call, book, view, line_count):
    _about_book(call, book, "voucher_updated", [{"voucher": voucher_header(view), "line_count": line_count}],
                plain=True)


def voucher_deleted(call, book, row):
    _about_book(call, book, "voucher_deleted", [{"voucher_id": str(row.id), "period": row.period, "word": row.word,
                                                 "number": row.number, "reversal_of": jsonable(row.reversal_of)}],
                plain=True)


def voucher_reviewed(call, book, rows):
    """`rows`: reviewed vouchers rows (id, period, word, number, reviewed_by, reviewed_at)."""
    _about_book(call, book, "voucher_reviewed", [
        {"voucher_id": str(row.id), "period": row.period, "word": row.word, "number": row.number,
         "reviewed_by": str(row.reviewed_by), "reviewed_at": jsonable(row.reviewed_at)} for row in rows], plain=True)


def voucher_unreviewed(call, book, row):
    _about_book(call, book, "voucher_unreviewed", [{"voucher_id": str(row.id), "period": row.period,
                                                    "word": row.word, "number": row.number,
                                                    "unreviewed_by": str(call.auth.user_id)}], plain=True)


def voucher_posted(call, book, views):
    """`views`: the posted vouchers with their lines (JSON-safe). Returns the events'
    sequences, in order (kept in vouchers.posted_sequence)."""
    return _about_book(call, book, "voucher_posted", [{"voucher": view} for view in views], plain=True)


def voucher_reversed(call, book, original, reversal_view):
    _about_book(call, book, "voucher_reversed", [{
        "voucher_id": str(original.id), "period": original.period, "word": original.word, "number": original.number,
        "actor_id": str(call.auth.user_id),
        "reversal": {key: reversal_view[key] for key in ("id", "period", "date", "word", "number", "total")}}],
                plain=True)


def vouchers_renumbered(call, book, period, plans):
    """`plans`: {word: [(voucher_id, from, to)]}; one event per word that changed."""
    _about_book(call, book, "vouchers_renumbered", [
        {"period": period, "word": word, "changes": [{"voucher_id": vid, "from": old, "to": new}
                                                     for vid, old, new in plan]}
        for word, plan in plans.items() if plan])


def period_closed(call, book, result):
    _about_book(call, book, "period_closed", [{"book_id": str(book.id), **result}])


def period_reopened(call, book, result):
    _about_book(call, book, "period_reopened", [{"book_id": str(book.id), **result}])


# -- reading ------------------------------------------------------------------------------------

class EventHandlers:
    """The events the ledger consumes (a mixin of LedgerService; `consumes` claims the
    inbox and runs the handler in one transaction)."""

    @consumes("clients", "assignment_changed", consumer=projections.CLIENT_STAFF)
    def on_assignment_changed(self, call, envelope):
        """Keep client_staff (who serves which client) in step with clients."""
        projections.apply_assignment_changed(call.session, envelope)
