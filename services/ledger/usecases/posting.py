"""The voucher workflow: draft → reviewed (审核) → posted (记账), one voucher or many at
once (all or nothing).

Posting adds the voucher's lines to `period_balances` and `daily_balances` (one
statement upserting the sums per key, in key order so concurrent posts never
deadlock), marks its lines `posted` and publishes voucher_posted with every line; the
event's sequence is kept in `vouchers.posted_sequence` (export from a sequence)."""
from collections import defaultdict

from servicekit.errors import NotFound
from servicekit.ids import valid_uuid
from servicekit.money import Period

from .. import events
from ..domain.workflow import batch_status_error, check_postable, check_review, check_unreviewable
from ..repository.balances import add_to_balances
from ..repository.books import book_state
from ..repository.vouchers import (
    locked_batch, locked_voucher, mark_lines_posted, mark_posted, mark_reviewed, review_draft)
from ..tables import vouchers
from .access import book_for
from .books import book_with_state
from .views import aux_by_id, line_view, load_lines, voucher_view


def _with_lines(call, book, row):
    return voucher_view(row, load_lines(call.session, book.id, [row.id])[str(row.id)])


# -- one voucher -------------------------------------------------------------------------------

def review_voucher(call, client_id, voucher_id):
    book = book_for(call, client_id)
    # the common case in one statement (it mirrors domain.workflow.check_review);
    # otherwise the row says what is wrong
    changed = review_draft(call.session, book, voucher_id, call.auth.user_id, call.now)
    if changed is None:
        row = locked_voucher(call.session, book, voucher_id)
        check_review(call.auth.user_id, [row], allow_self_review=book.allow_self_review)
        changed = review_draft(call.session, book, voucher_id, call.auth.user_id, call.now)  # the rule said yes
    view = _with_lines(call, book, changed)
    events.voucher_reviewed(call, book, [changed])
    return view


def unreview_voucher(call, client_id, voucher_id):
    book = book_for(call, client_id)
    row = locked_voucher(call.session, book, voucher_id)
    check_unreviewable(row)
    changed = call.session.execute(
        vouchers.update().where(vouchers.c.id == row.id)
        .values(status="draft", reviewed_by=None, reviewed_at=None, version=vouchers.c.version + 1)
        .returning(vouchers)).one()
    events.voucher_unreviewed(call, book, row)
    return _with_lines(call, book, changed)


def post_voucher(call, client_id, voucher_id):
    book, state = book_with_state(call, client_id)
    row = locked_voucher(call.session, book, voucher_id)
    check_postable([row], opening_balanced=state.opening_balanced, last_closed=state.last_closed,
                   first_open=state.first_open)
    return post_rows(call, book, [row], with_views=True)[0]


def review_rows(call, book, rows):
    """Mark draft rows (already checked: domain.workflow.check_review) reviewed and
    announce them; returns the changed rows (id, period, word, number, reviewed_*)
    in number order."""
    changed = mark_reviewed(call.session, [row.id for row in rows], call.auth.user_id, call.now, [
        vouchers.c.id, vouchers.c.period, vouchers.c.word, vouchers.c.number, vouchers.c.reviewed_by,
        vouchers.c.reviewed_at])
    changed.sort(key=lambda row: (row.period, row.word, row.number))
    events.voucher_reviewed(call, book, changed)
    return changed


def post_rows(call, book, rows, *, with_views=False):
    """Post reviewed, locked voucher rows (already checked: domain.workflow.check_postable):
    balances, lines, events, status. Returns the views (with lines) when asked, else the ids."""
    ids = [row.id for row in rows]
    lines = mark_lines_posted(call.session, book, ids)
    add_to_balances(call.session, book, lines)
    names = {line.account_code: line.account_name for line in lines}
    aux = aux_by_id(call.session, book.id, {line.aux_key for line in lines if line.aux_key})
    by_voucher = defaultdict(list)
    for line in sorted(lines, key=lambda line: line.line_no):
        by_voucher[line.voucher_id].append(line_view(line, names.get(line.account_code), aux.get(line.aux_key)))
    posted_by, posted_at = call.auth.user_id, call.now
    views = [voucher_view({**row._mapping, "status": "posted", "posted_by": posted_by, "posted_at": posted_at,
                           "version": row.version + 1}, by_voucher[row.id]) for row in rows]
    sequences = events.voucher_posted(call, book, views)
    mark_posted(call.session, ids, sequences, posted_by, posted_at)
    if with_views:
        for view, sequence in zip(views, sequences):
            view["posted_sequence"] = sequence
        return views
    return [str(i) for i in ids]


# -- many vouchers (all or nothing) --------------------------------------------------------------

def _batch_rows(call, book, payload, wanted_status):
    """The vouchers a batch names (by ids, or the period's vouchers in `wanted_status`),
    locked in id order; 404/409 listing every one that cannot be done."""
    if "ids" in payload:
        ids = sorted({valid_uuid(i) for i in payload["ids"]})
        rows = locked_batch(call.session, book, ids=ids)
        missing = sorted(set(ids) - {str(row.id) for row in rows})
        if missing:
            raise NotFound(code="VOUCHER_NOT_FOUND", message=f"有{len(missing)}张凭证不存在",
                           message_en=f"{len(missing)} voucher(s) do not exist", details={"voucher_ids": missing[:1000]})
        wrong = [row for row in rows if row.status != wanted_status]
        if wrong:
            raise batch_status_error(wrong, wanted_status)
        return rows
    return locked_batch(call.session, book, period=payload["period"], status=wanted_status)


def review_vouchers(call, client_id, payload):
    book = book_for(call, client_id)
    rows = _batch_rows(call, book, payload, "draft")
    check_review(call.auth.user_id, rows, allow_self_review=book.allow_self_review)
    if not rows:
        return {"count": 0, "ids": []}
    changed = review_rows(call, book, rows)
    return {"count": len(changed), "ids": [str(row.id) for row in changed]}


def post_vouchers(call, client_id, payload):
    book = book_for(call, client_id)
    rows = _batch_rows(call, book, payload, "reviewed")
    if not rows:
        return {"count": 0, "ids": []}
    periods = sorted({row.period for row in rows})
    state = book_state(call.session, book, periods[0])
    check_postable(rows, opening_balanced=state.opening_balanced, last_closed=state.last_closed,
                   first_open=state.first_open)
    rows = sorted(rows, key=lambda row: (Period.parse(row.period), row.word, row.number))
    ids = post_rows(call, book, rows)
    return {"count": len(ids), "ids": ids}
