"""Voucher rows: find and lock one, take numbers, insert many, mark them reviewed or
posted. Lean on purpose (hundreds of vouchers a second): one statement each, array
parameters instead of long IN lists, COPY for many rows (servicekit.db.bulk_insert)."""
from sqlalchemy import Boolean, any_, bindparam, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert

from servicekit.db import bulk_insert
from servicekit.errors import NotFound
from servicekit.ids import valid_uuid

from ..domain.numbering import allocated
from ..domain.workflow import POSTED_BY_THE_LEDGER
from ..tables import accounts, voucher_counters, voucher_lines, vouchers


def any_array(ids):
    """`column == any_array(ids)`: one array parameter instead of an IN list of
    thousands (which costs more to compile and to parse than the query itself)."""
    return any_(bindparam(None, [str(i) for i in ids], type_=ARRAY(UUID(as_uuid=False))))


def voucher_not_found(voucher_id):
    return NotFound(code="VOUCHER_NOT_FOUND", message="凭证不存在", message_en="No such voucher",
                    details={"voucher_id": str(voucher_id)})


# the single-voucher statements are built once (building one costs more than running it)
_LOCKED_VOUCHER = (select(vouchers).where(vouchers.c.book_id == bindparam("book_id"), vouchers.c.id == bindparam("id"))
                   .with_for_update())


def locked_voucher(session, book, voucher_id):
    """The voucher row of this book, locked FOR UPDATE, or 404 VOUCHER_NOT_FOUND."""
    vid = valid_uuid(voucher_id)
    row = session.execute(_LOCKED_VOUCHER, {"book_id": book.id, "id": vid}).first() if vid else None
    if row is None:
        raise voucher_not_found(voucher_id)
    return row


def locked_batch(session, book, *, ids=None, period=None, status=None):
    """The book's vouchers with these ids (or of `period` in `status`), locked in id order."""
    query = select(vouchers).where(vouchers.c.book_id == book.id).order_by(vouchers.c.id).with_for_update()
    if ids is not None:
        return session.execute(query.where(vouchers.c.id == any_array(ids))).all()
    return session.execute(query.where(vouchers.c.period == str(period), vouchers.c.status == status)).all()


# (parameters of an INSERT or UPDATE may not be named after the table's columns)
_COUNT = bindparam("count")
_TAKE_NUMBERS = (pg_insert(voucher_counters)
                 .values(book_id=bindparam("the_book"), period=bindparam("the_period"), word=bindparam("the_word"),
                         last_number=_COUNT)
                 .on_conflict_do_update(index_elements=["book_id", "period", "word"],
                                        set_={"last_number": voucher_counters.c.last_number + _COUNT})
                 .returning(voucher_counters.c.last_number))


def take_numbers(session, book, counts):
    """{(period, word): count} -> {(period, word): [numbers]}; one locking upsert per
    key, in key order (two batches never wait on each other crosswise)."""
    numbers = {}
    for period, word in sorted(counts):
        count = counts[(period, word)]
        last = session.execute(_TAKE_NUMBERS, {"the_book": book.id, "the_period": period, "the_word": word,
                                               "count": count}).scalar_one()
        numbers[(period, word)] = allocated(last, count)
    return numbers


def insert_vouchers(session, voucher_rows, line_rows):
    bulk_insert(session, vouchers, voucher_rows)
    bulk_insert(session, voucher_lines, line_rows)


# domain.workflow.may_review: self-review allowed by the book, or no creator (the
# system), or generated and posted by the ledger, or another person
_REVIEW_DRAFT = (
    update(vouchers)
    .where(vouchers.c.book_id == bindparam("the_book"), vouchers.c.id == bindparam("the_voucher"),
           vouchers.c.status == "draft",
           bindparam("allow_self_review", type_=Boolean) | vouchers.c.created_by.is_(None)
           | or_(*(vouchers.c.source == source for source in sorted(POSTED_BY_THE_LEDGER)))
           | (vouchers.c.created_by != bindparam("reviewer_id")))
    .values(status="reviewed", reviewed_by=bindparam("reviewer_id"), reviewed_at=bindparam("now"),
            version=vouchers.c.version + 1)
    .returning(vouchers))


def review_draft(session, book, voucher_id, reviewer_id, now):
    """Review one draft of the book in one statement; the changed row, or None when
    the voucher is missing, not a draft or the reviewer may not review it (the
    caller then reads the row to say which). The condition is
    domain.workflow.may_review (see _REVIEW_DRAFT)."""
    vid = valid_uuid(voucher_id)
    if vid is None:
        return None
    return session.execute(_REVIEW_DRAFT, {"the_book": book.id, "the_voucher": vid, "reviewer_id": reviewer_id,
                                           "allow_self_review": bool(book.allow_self_review), "now": now}).first()


def mark_reviewed(session, ids, reviewer_id, now, columns=None):
    return session.execute(
        update(vouchers).where(vouchers.c.id == any_array(ids))
        .values(status="reviewed", reviewed_by=reviewer_id, reviewed_at=now, version=vouchers.c.version + 1)
        .returning(*(columns or [vouchers]))).all()


_MARK_LINES_POSTED = (
    update(voucher_lines)
    .where(voucher_lines.c.voucher_id == any_(bindparam("ids", type_=ARRAY(UUID(as_uuid=False)))),
           accounts.c.book_id == bindparam("the_book"), accounts.c.code == voucher_lines.c.account_code)
    .values(posted=True)
    .returning(voucher_lines.c.voucher_id, voucher_lines.c.line_no, voucher_lines.c.period, voucher_lines.c.date,
               voucher_lines.c.summary, voucher_lines.c.account_code, voucher_lines.c.debit,
               voucher_lines.c.credit, voucher_lines.c.aux_key, voucher_lines.c.quantity,
               voucher_lines.c.unit_price, accounts.c.name.label("account_name")))


def mark_lines_posted(session, book, ids):
    """Mark the vouchers' lines posted and read them back with their account names,
    in one statement."""
    return session.execute(_MARK_LINES_POSTED, {"ids": [str(i) for i in ids], "the_book": book.id}).all()


_MARK_ONE_POSTED = (update(vouchers).where(vouchers.c.id == bindparam("the_voucher"))
                    .values(status="posted", posted_by=bindparam("user_id"), posted_at=bindparam("now"),
                            posted_sequence=bindparam("sequence"), version=vouchers.c.version + 1))


def mark_posted(session, ids, sequences, user_id, now):
    """Vouchers `ids` posted by `user_id`, each with its voucher_posted event's sequence."""
    if len(ids) == 1:
        session.execute(_MARK_ONE_POSTED,
                        {"the_voucher": ids[0], "user_id": user_id, "now": now, "sequence": sequences[0]})
        return
    # two arrays, one statement (a VALUES list of 10,000 rows takes long to compile)
    session.execute(text(
        "UPDATE vouchers SET status = 'posted', posted_by = :user, posted_at = :at, posted_sequence = p.sequence,"
        " version = vouchers.version + 1 FROM unnest(CAST(:ids AS uuid[]), CAST(:sequences AS bigint[]))"
        " AS p(id, sequence) WHERE vouchers.id = p.id"),
        {"user": user_id, "at": now, "ids": [str(i) for i in ids], "sequences": sequences})
