"""The posted-entries export: every posted voucher of a book in the order of its
voucher_posted event (`posted_sequence`), with its lines. A subscriber that missed
events (a gap in the book's `sequence`) rebuilds from here: ask after the last
sequence it has, page on with `last_sequence`."""
from sqlalchemy import select

from ..tables import vouchers
from .access import book_for
from .views import voucher_views


def posted_entries(call, client_id, query):
    book = book_for(call, client_id)
    after = query["after_sequence"]
    rows = call.session.execute(
        select(vouchers).where(vouchers.c.book_id == book.id, vouchers.c.status == "posted",
                               vouchers.c.posted_sequence > after)
        .order_by(vouchers.c.posted_sequence).limit(query["limit"])).all()
    items = voucher_views(call.session, book.id, rows, sequence=True)
    return {"items": items, "last_sequence": rows[-1].posted_sequence if rows else after,
            "book_id": str(book.id)}
