"""The voucher workflow: draft → reviewed (审核) → posted (记账), one voucher or many at
once (all or nothing).

Posting adds the voucher's lines to `period_balances` and `daily_balances` (one
statement upserting the sums per key, in key order so concurrent posts never
deadlock), marks its lines `posted` and publishes voucher_posted with every line; the
event's sequence is kept in `vouchers.posted_sequence` (export from a sequence)."""
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import literal, select, text, update

from servicekit.errors import Conflict, Forbidden, NotFound
from servicekit.money import Period

from ..domain.periods import period_closed
from ..tables import accounts, voucher_lines, vouchers
from .access import book_for
from .books import book_state, book_with_state
from .context import valid_uuid
from .vouchers import STATUS_ZH, any_array, locked_voucher, posted_error, publish_bulk, status_error
from .views import aux_by_id, line_view, load_lines, voucher_view

ZERO = Decimal("0.00")


def self_review_error(rows):
    return Forbidden(code="SELF_REVIEW_FORBIDDEN",
                     message="不能审核自己制单的凭证（本账套未允许自审）",
                     message_en="You cannot review vouchers you entered yourself (this book does not allow self-review)",
                     details={"voucher_ids": [str(row.id) for row in rows][:1000]})


def opening_unbalanced():
    return Conflict(code="OPENING_UNBALANCED", message="期初余额借贷不平衡，平衡之前不能记账",
                    message_en="The opening balances do not balance; nothing can be posted until they do")


def _with_lines(call, book, row):
    return voucher_view(row, load_lines(call.session, book.id, [row.id])[str(row.id)])


# -- one voucher -------------------------------------------------------------------------------

def review_voucher(call, client_id, voucher_id):
    book = book_for(call, client_id)
    vid = valid_uuid(voucher_id)
    # the common case in one statement: a draft of this book, not the caller's own
    # unless the book allows self-review; otherwise the row says what is wrong
    not_mine = vouchers.c.created_by.is_distinct_from(call.auth.user_id)  # NULL: made by the system
    changed = call.session.execute(
        update(vouchers).where(vouchers.c.book_id == book.id, vouchers.c.id == vid, vouchers.c.status == "draft",
                               literal(bool(book.allow_self_review)) | not_mine)
        .values(status="reviewed", reviewed_by=call.auth.user_id, reviewed_at=call.now,
                version=vouchers.c.version + 1)
        .returning(vouchers)).first() if vid else None
    if changed is None:
        row = locked_voucher(call, book, voucher_id)
        if row.status != "draft":
            raise status_error(row, "draft", "审核", "review")
        raise self_review_error([row])
    view = _with_lines(call, book, changed)
    publish_bulk(call, book, [("voucher_reviewed", reviewed_data(changed))])
    return view


def unreview_voucher(call, client_id, voucher_id):
    book = book_for(call, client_id)
    row = locked_voucher(call, book, voucher_id)
    if row.status == "posted":
        raise posted_error(row)
    if row.status != "reviewed":
        raise status_error(row, "reviewed", "取消审核", "unreview")
    changed = call.session.execute(
        update(vouchers).where(vouchers.c.id == row.id)
        .values(status="draft", reviewed_by=None, reviewed_at=None, version=vouchers.c.version + 1)
        .returning(vouchers)).one()
    publish_bulk(call, book, [("voucher_unreviewed", {"voucher_id": str(row.id), "period": row.period,
                                                      "word": row.word, "number": row.number,
                                                      "unreviewed_by": call.auth.user_id})])
    return _with_lines(call, book, changed)


def post_voucher(call, client_id, voucher_id):
    book, state = book_with_state(call, client_id)
    row = locked_voucher(call, book, voucher_id)
    if row.status != "reviewed":
        raise status_error(row, "reviewed", "记账", "post")
    check_postable(state, [row])
    return post_rows(call, book, [row], with_views=True)[0]


def check_postable(state, rows):
    if not state.opening_balanced:
        raise opening_unbalanced()
    closed = [row for row in rows if state.last_closed is not None and row.period <= state.last_closed]
    if closed:
        raise period_closed(closed[0].period, state.first_open)


def reviewed_data(row):
    return {"voucher_id": str(row.id), "period": row.period, "word": row.word, "number": row.number,
            "reviewed_by": str(row.reviewed_by), "reviewed_at": row.reviewed_at}


def _mark_reviewed(call, ids, columns=None):
    return call.session.execute(
        update(vouchers).where(vouchers.c.id == any_array(ids))
        .values(status="reviewed", reviewed_by=call.auth.user_id, reviewed_at=call.now, version=vouchers.c.version + 1)
        .returning(*(columns or [vouchers]))).all()


def post_rows(call, book, rows, *, with_views=False):
    """Post reviewed, locked voucher rows: balances, lines, events, status. Returns the
    views (with lines) when asked, else the ids."""
    ids = [row.id for row in rows]
    # mark the lines and read them back with their account names, in one statement
    lines = call.session.execute(
        update(voucher_lines).where(voucher_lines.c.voucher_id == any_array(ids),
                                    accounts.c.book_id == book.id, accounts.c.code == voucher_lines.c.account_code)
        .values(posted=True)
        .returning(voucher_lines.c.voucher_id, voucher_lines.c.line_no, voucher_lines.c.period, voucher_lines.c.date,
                   voucher_lines.c.summary, voucher_lines.c.account_code, voucher_lines.c.debit,
                   voucher_lines.c.credit, voucher_lines.c.aux_key, voucher_lines.c.quantity,
                   voucher_lines.c.unit_price, accounts.c.name.label("account_name"))).all()
    add_to_balances(call, book, lines)
    names = {line.account_code: line.account_name for line in lines}
    aux = aux_by_id(call.session, book.id, {line.aux_key for line in lines if line.aux_key})
    by_voucher = defaultdict(list)
    for line in sorted(lines, key=lambda line: line.line_no):
        by_voucher[line.voucher_id].append(line_view(line, names.get(line.account_code), aux.get(line.aux_key)))
    posted_by, posted_at = call.auth.user_id, call.now
    views = []
    for row in rows:
        view = voucher_view({**row._mapping, "status": "posted", "posted_by": posted_by, "posted_at": posted_at,
                             "version": row.version + 1}, by_voucher[row.id])
        views.append(view)
    sequences = publish_bulk(call, book, [("voucher_posted", {"voucher": view}) for view in views], plain=True)
    if len(rows) == 1:
        call.session.execute(update(vouchers).where(vouchers.c.id == ids[0]).values(
            status="posted", posted_by=posted_by, posted_at=posted_at, posted_sequence=sequences[0],
            version=vouchers.c.version + 1))
    else:
        # two arrays, one statement (a VALUES list of 10,000 rows takes long to compile)
        call.session.execute(text(
            "UPDATE vouchers SET status = 'posted', posted_by = :user, posted_at = :at, posted_sequence = p.sequence,"
            " version = vouchers.version + 1 FROM unnest(CAST(:ids AS uuid[]), CAST(:sequences AS bigint[]))"
            " AS p(id, sequence) WHERE vouchers.id = p.id"),
            {"user": posted_by, "at": posted_at, "ids": [str(i) for i in ids], "sequences": sequences})
    if with_views:
        for view, sequence in zip(views, sequences):
            view["posted_sequence"] = sequence
        return views
    return [str(i) for i in ids]


# one statement for both tables, whatever the number of rows: each table's sums come
# as arrays, sorted by key (concurrent posts lock rows in the same order: no deadlock)
ADD_TO_BALANCES = text(
    "WITH by_period AS ("
    " INSERT INTO period_balances AS b (book_id, agency_id, period, account_code, aux_key, debit, credit, line_count)"
    " SELECT CAST(:book_id AS uuid), CAST(:agency_id AS uuid), m.* FROM unnest(CAST(:p_when AS varchar[]),"
    " CAST(:p_code AS varchar[]), CAST(:p_aux AS varchar[]), CAST(:p_debit AS numeric[]),"
    " CAST(:p_credit AS numeric[]), CAST(:p_count AS int[])) AS m"
    " ON CONFLICT (book_id, period, account_code, aux_key) DO UPDATE SET debit = b.debit + excluded.debit,"
    " credit = b.credit + excluded.credit, line_count = b.line_count + excluded.line_count RETURNING 1)"
    " INSERT INTO daily_balances AS d (book_id, agency_id, date, account_code, aux_key, debit, credit, line_count)"
    " SELECT CAST(:book_id AS uuid), CAST(:agency_id AS uuid), m.* FROM unnest(CAST(:d_when AS date[]),"
    " CAST(:d_code AS varchar[]), CAST(:d_aux AS varchar[]), CAST(:d_debit AS numeric[]),"
    " CAST(:d_credit AS numeric[]), CAST(:d_count AS int[])) AS m"
    " ON CONFLICT (book_id, account_code, date, aux_key) DO UPDATE SET debit = d.debit + excluded.debit,"
    " credit = d.credit + excluded.credit, line_count = d.line_count + excluded.line_count")


def add_to_balances(call, book, lines):
    """Add the lines' movements to the per-period and the per-day balances (one
    statement; the sums are made here, one row per key)."""
    params = {"book_id": str(book.id), "agency_id": str(book.agency_id)}
    for prefix, when in (("p", "period"), ("d", "date")):
        sums = defaultdict(lambda: [ZERO, ZERO, 0])
        for line in lines:
            entry = sums[(getattr(line, when), line.account_code, line.aux_key)]
            entry[0] += line.debit
            entry[1] += line.credit
            entry[2] += 1
        keys = sorted(sums)
        params.update({f"{prefix}_when": [key[0] for key in keys], f"{prefix}_code": [key[1] for key in keys],
                       f"{prefix}_aux": [key[2] for key in keys], f"{prefix}_debit": [sums[key][0] for key in keys],
                       f"{prefix}_credit": [sums[key][1] for key in keys],
                       f"{prefix}_count": [sums[key][2] for key in keys]})
    call.session.execute(ADD_TO_BALANCES, params)


# -- many vouchers (all or nothing) --------------------------------------------------------------

def _batch_rows(call, book, payload, wanted_status):
    """The vouchers a batch names (by ids, or the period's vouchers in `wanted_status`),
    locked in id order; 404/409 listing every one that cannot be done."""
    query = select(vouchers).where(vouchers.c.book_id == book.id).order_by(vouchers.c.id).with_for_update()
    if "ids" in payload:
        ids = sorted({valid_uuid(i) for i in payload["ids"]})
        rows = call.session.execute(query.where(vouchers.c.id == any_array(ids))).all()
        missing = sorted(set(ids) - {str(row.id) for row in rows})
        if missing:
            raise NotFound(code="VOUCHER_NOT_FOUND", message=f"有{len(missing)}张凭证不存在",
                           message_en=f"{len(missing)} voucher(s) do not exist", details={"voucher_ids": missing[:1000]})
        wrong = [row for row in rows if row.status != wanted_status]
        if wrong:
            raise Conflict(code="VOUCHER_STATUS",
                           message=f"有{len(wrong)}张凭证不是{STATUS_ZH[wanted_status]}状态，全部未处理",
                           message_en=f"{len(wrong)} voucher(s) are not {wanted_status}; nothing was done",
                           details={"expected": wanted_status, "vouchers": [
                               {"voucher_id": str(row.id), "word": row.word, "number": row.number,
                                "status": row.status} for row in wrong[:1000]]})
        return rows
    return call.session.execute(query.where(vouchers.c.period == str(payload["period"]),
                                            vouchers.c.status == wanted_status)).all()


def review_vouchers(call, client_id, payload):
    book = book_for(call, client_id)
    rows = _batch_rows(call, book, payload, "draft")
    if not book.allow_self_review:
        own = [row for row in rows if str(row.created_by) == str(call.auth.user_id)]
        if own:
            raise self_review_error(own)
    if not rows:
        return {"count": 0, "ids": []}
    changed = _mark_reviewed(call, [row.id for row in rows], [
        vouchers.c.id, vouchers.c.period, vouchers.c.word, vouchers.c.number, vouchers.c.reviewed_by,
        vouchers.c.reviewed_at])
    changed.sort(key=lambda row: (row.period, row.word, row.number))
    publish_bulk(call, book, [("voucher_reviewed", reviewed_data(row)) for row in changed])
    return {"count": len(changed), "ids": [str(row.id) for row in changed]}


def post_vouchers(call, client_id, payload):
    book = book_for(call, client_id)
    rows = _batch_rows(call, book, payload, "reviewed")
    if not rows:
        return {"count": 0, "ids": []}
    periods = sorted({row.period for row in rows})
    state = book_state(call, book, periods[0])
    check_postable(state, rows)
    rows = sorted(rows, key=lambda row: (Period.parse(row.period), row.word, row.number))
    ids = post_rows(call, book, rows)
    return {"count": len(ids), "ids": ids}
