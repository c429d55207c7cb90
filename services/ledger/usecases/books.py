"""Books (账套): one per client company, made from a chart template; and the book's
state as vouchers see it (which periods are open, whether the opening balances
balance), read under a share lock so a period cannot close under a voucher."""
from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from contracts.ledger.labels import DEFAULT_WORDS
from servicekit.errors import Conflict
from servicekit.ids import new_id, valid_uuid

from .. import events
from ..domain.chart import chart_of
from ..repository.books import current_periods, state_of
from ..tables import accounts, books, periods
from .access import book_for, client_not_found, visible_books_query
from .views import book_view


def book_with_state(call, client_id, period=None):
    """(book, state): the caller's book (access.book_for) and its state as vouchers
    see it (repository.books.book_state), in one statement, under the same share lock."""
    book = book_for(call, client_id, share=True, state=True, period=period)
    return book, state_of(book, period)


# -- use cases -----------------------------------------------------------------------------

def create_book(call, client_id, payload):
    client_uuid = valid_uuid(client_id)
    if client_uuid is None:
        raise client_not_found(client_id)
    client = call.clients.get_client(client_uuid)  # the caller's own view: tenancy and assignment
    if client is None:
        raise client_not_found(client_id)
    book_id = new_id()
    auth = call.auth
    words = list(payload.get("voucher_words") or DEFAULT_WORDS)
    inserted = call.session.execute(
        pg_insert(books).values(
            id=book_id, agency_id=auth.agency_id, client_id=client_uuid, name=str(client.get("name") or "")[:200],
            standard=payload["standard"], start_period=str(payload["start_period"]), voucher_words=words,
            allow_self_review=payload.get("allow_self_review", False), opening_balanced=True, created_by=auth.user_id,
            created_at=call.now)
        .on_conflict_do_nothing(index_elements=["agency_id", "client_id"]).returning(books.c.id)).first()
    if inserted is None:
        raise Conflict(code="BOOK_EXISTS", message="该客户已建账，一个客户只有一个账套",
                       message_en="This client already has a book (one book per client)",
                       details={"client_id": client_uuid})
    call.session.execute(insert(accounts), [
        {"id": new_id(), "book_id": book_id, "agency_id": auth.agency_id, "code": account["code"],
         "name": account["name"], "class": account["class"], "direction": account["direction"], "parent_code": None,
         "level": 1, "is_leaf": True, "enabled": True, "auxiliary": [], "is_standard": True}
        for account in chart_of(payload["standard"])])
    call.session.execute(insert(periods).values(book_id=book_id, period=str(payload["start_period"]),
                                                agency_id=auth.agency_id, status="open"))
    book = call.session.execute(select(books).where(books.c.id == book_id)).one()
    view = book_view(book)
    events.book_created(call, book, view)
    return view


def get_book(call, client_id):
    book = book_for(call, client_id)
    return book_view(book, current_periods(call.session, [book])[book.id])


def update_book(call, client_id, payload):
    book = book_for(call, client_id, lock=True)
    values = {}
    if "voucher_words" in payload:
        values["voucher_words"] = list(payload["voucher_words"])
    if "allow_self_review" in payload:
        values["allow_self_review"] = payload["allow_self_review"]
    if values:
        call.session.execute(update(books).where(books.c.id == book.id)
                             .values(version=books.c.version + 1, **values))
        book = call.session.execute(select(books).where(books.c.id == book.id)).one()
    return book_view(book, current_periods(call.session, [book])[book.id])


def list_books(call, query):
    base = visible_books_query(call).subquery()
    total = call.session.execute(select(func.count()).select_from(base)).scalar()
    page, size = query["page"], query["page_size"]
    rows = call.session.execute(select(base).order_by(base.c.created_at, base.c.id)
                                .offset((page - 1) * size).limit(size)).all()
    current = current_periods(call.session, rows)
    return {"items": [book_view(row, current[row.id]) for row in rows], "total": total, "page": page,
            "page_size": size}
