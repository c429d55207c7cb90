"""Books (账套): one per client company, made from a chart template; and the book's
state as vouchers see it (which periods are open, whether the opening balances
balance), read under a share lock so a period cannot close under a voucher."""
from dataclasses import dataclass

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from servicekit.errors import Conflict
from servicekit.money import Period

from ..domain.chart import chart_of
from contracts.ledger.labels import DEFAULT_WORDS
from ..domain.periods import first_open
from ..tables import accounts, books, periods
from .access import book_for, client_not_found, visible_books_query
from .context import new_id, valid_uuid
from .views import book_view


# -- the book's state for vouchers ---------------------------------------------------------

@dataclass(frozen=True)
class BookState:
    start_period: str
    voucher_words: tuple
    allow_self_review: bool
    opening_balanced: bool
    last_closed: str  # None when no period is closed
    period: str = None  # the period asked about
    has_period: bool = False  # … and it has its row

    @property
    def first_open(self):
        return first_open(self.start_period, self.last_closed)

    def covers(self, period_texts):
        """True when every one of the periods is the one asked about and has its row."""
        return self.has_period and all(text == self.period for text in period_texts)


def last_closed_query(book_id):
    return (select(func.max(periods.c.period))
            .where(periods.c.book_id == book_id, periods.c.status == "closed").scalar_subquery())


def state_columns(period=None):
    """The columns of a book's state, to read with the book row (FOR SHARE OF books)."""
    has_period = (select(periods.c.period).where(periods.c.book_id == books.c.id,
                                                  periods.c.period == str(period)).exists()
                  if period is not None else literal(True))
    return (last_closed_query(books.c.id).label("last_closed"), has_period.label("has_period"))


def state_of(row, period=None):
    return BookState(row.start_period, tuple(row.voucher_words), row.allow_self_review, row.opening_balanced,
                     row.last_closed, None if period is None else str(period), bool(row.has_period))


def book_state(call, book, period=None):
    """The book's settings and period state, with a SHARE lock on the book row held to
    the end of the transaction: closing a period, reopening one and changing the
    opening balances take the row FOR UPDATE, so they wait for vouchers being written
    or posted, and those wait for them. One statement."""
    row = call.session.execute(
        select(books.c.start_period, books.c.voucher_words, books.c.allow_self_review, books.c.opening_balanced,
               *state_columns(period))
        .where(books.c.id == book.id).with_for_update(read=True, of=books)).one()
    return state_of(row, period)


def book_with_state(call, client_id, period=None):
    """(book, state): book_for and book_state in one statement, the same share lock."""
    book = book_for(call, client_id, share=True, columns=state_columns(period))
    return book, state_of(book, period)


def ensure_periods(call, book, through):
    """Create the period rows (open) from the book's start through `through`."""
    start = Period.parse(book.start_period)
    end = Period.parse(str(through))
    if end < start:
        return
    call.session.execute(pg_insert(periods).on_conflict_do_nothing(index_elements=["book_id", "period"]),
                         [{"book_id": book.id, "period": str(p), "agency_id": book.agency_id}
                          for p in _periods(start, end)])


def _periods(start, end):
    current = start
    while current <= end:
        yield current
        current = current.next()


def current_periods(call, book_rows):
    """{book_id: first open period} for the books."""
    if not book_rows:
        return {}
    closed = dict(call.session.execute(
        select(periods.c.book_id, func.max(periods.c.period))
        .where(periods.c.book_id.in_([row.id for row in book_rows]), periods.c.status == "closed")
        .group_by(periods.c.book_id)).all())
    return {row.id: first_open(row.start_period, closed.get(row.id)) for row in book_rows}


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
    call.publish("book_created", {"book": event_book(view)}, book=book)
    return view


def event_book(view):
    return {key: view[key] for key in ("id", "client_id", "name", "standard", "start_period", "currency",
                                       "voucher_words", "allow_self_review", "created_at")}


def get_book(call, client_id):
    book = book_for(call, client_id)
    return book_view(book, current_periods(call, [book])[book.id])


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
    return book_view(book, current_periods(call, [book])[book.id])


def list_books(call, query):
    base = visible_books_query(call).subquery()
    total = call.session.execute(select(func.count()).select_from(base)).scalar()
    page, size = query["page"], query["page_size"]
    rows = call.session.execute(select(base).order_by(base.c.created_at, base.c.id)
                                .offset((page - 1) * size).limit(size)).all()
    current = current_periods(call, rows)
    return {"items": [book_view(row, current[row.id]) for row in rows], "total": total, "page": page,
            "page_size": size}
