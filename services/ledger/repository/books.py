"""A book's state as vouchers see it — which periods are open, whether the opening
balances balance, the voucher words — read with the book row under a SHARE lock,
so a period cannot close under a voucher being written or posted; and the book's
period rows."""
from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from servicekit.money import Period

from ..domain.periods import first_open, periods_from
from ..tables import books, periods


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


def last_closed(session, book_id):
    """The latest closed period ("YYYY-MM") of the book, or None."""
    return session.execute(select(last_closed_query(book_id))).scalar()


def period_rows(session, book_id):
    """{"YYYY-MM": periods row} of the book."""
    return {row.period: row for row in session.execute(select(periods).where(periods.c.book_id == book_id))}


def state_columns(with_period=False):
    """The columns of a book's state, to read with the book row (FOR SHARE OF books).
    `with_period`: also whether the period in the `period` parameter has its row
    (state_params gives the parameters)."""
    has_period = (select(periods.c.period).where(periods.c.book_id == books.c.id,
                                                  periods.c.period == bindparam("period")).exists()
                  if with_period else literal(True))
    return (last_closed_query(books.c.id).label("last_closed"), has_period.label("has_period"))


def state_params(period=None):
    return {} if period is None else {"period": str(period)}


def state_of(row, period=None):
    return BookState(row.start_period, tuple(row.voucher_words), row.allow_self_review, row.opening_balanced,
                     row.last_closed, None if period is None else str(period), bool(row.has_period))


def book_state(session, book, period=None):
    """The book's settings and period state, with a SHARE lock on the book row held to
    the end of the transaction: closing a period, reopening one and changing the
    opening balances take the row FOR UPDATE, so they wait for vouchers being written
    or posted, and those wait for them. One statement."""
    row = session.execute(_book_state_query(period is not None), {"book_id": book.id, **state_params(period)}).one()
    return state_of(row, period)


@cache
def _book_state_query(with_period):
    # built once per shape: building a select costs more than running it
    return (select(books.c.start_period, books.c.voucher_words, books.c.allow_self_review, books.c.opening_balanced,
                   *state_columns(with_period))
            .where(books.c.id == bindparam("book_id")).with_for_update(read=True, of=books))


def ensure_periods(session, book, through):
    """Create the period rows (open) from the book's start through `through`."""
    start = Period.parse(book.start_period)
    end = Period.parse(str(through))
    if end < start:
        return
    session.execute(pg_insert(periods).on_conflict_do_nothing(index_elements=["book_id", "period"]),
                    [{"book_id": book.id, "period": str(p), "agency_id": book.agency_id}
                     for p in periods_from(start, end)])


def current_periods(session, book_rows):
    """{book_id: first open period} for the books."""
    if not book_rows:
        return {}
    closed = dict(session.execute(
        select(periods.c.book_id, func.max(periods.c.period))
        .where(periods.c.book_id.in_([row.id for row in book_rows]), periods.c.status == "closed")
        .group_by(periods.c.book_id)).all())
    return {row.id: first_open(row.start_period, closed.get(row.id)) for row in book_rows}
