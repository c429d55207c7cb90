"""Period end (期末处理): the periods list, 结转损益 (carry forward), 计提 (accruals),
结账检查 (close checks), 结账 (close) and 反结账 (reopen).

Periods close in order: a period closes only when every earlier one (from the
book's start) is closed, its vouchers are all posted and numbered without gaps, the
books balance and the 损益 accounts are zero (carried forward). Only the latest
closed period can be reopened, and only by an admin or supervisor (periods.reopen).
Closing and reopening take the book's row lock, so they are serial per book, and
each is recorded in period_log and published (period_closed / period_reopened)."""
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from servicekit.errors import BadRequest, Conflict
from servicekit.money import Period

from .. import events
from ..domain import accrual_templates, carry_forward as cf, closing
from ..domain.balances import Figures, as_strings, trial_balance as build_tb
from ..domain.periods import check_open, last_day
from ..domain.workflow import check_postable, check_review
from ..repository.books import book_state, last_closed, period_rows
from ..repository.vouchers import mark_reviewed
from ..tables import accounts, period_log, periods, vouchers
from .access import book_for
from .reports import chart, leaf_figures


# -- reading ---------------------------------------------------------------------------
def _iso(value):
    return value.isoformat() if value is not None else None


def list_periods(call, client_id):
    """Every period from the book's start to the latest one with a row or a voucher:
    status, who closed or reopened it when, and its vouchers by status."""
    book = book_for(call, client_id)
    rows = period_rows(call.session, book.id)
    counts = {}
    for row in call.session.execute(select(vouchers.c.period, vouchers.c.status, func.count())
                                    .where(vouchers.c.book_id == book.id)
                                    .group_by(vouchers.c.period, vouchers.c.status)):
        counts.setdefault(row[0], {"draft": 0, "reviewed": 0, "posted": 0})[row[1]] = row[2]
    start = Period.parse(book.start_period)
    known = [Period.parse(p) for p in list(rows) + list(counts)] + [start]
    items = []
    for period in closing.periods_between(start, max(known).next()):
        key, row = str(period), rows.get(str(period))
        items.append({"period": key, "status": row.status if row else "open",
                      "closed_at": _iso(row.closed_at) if row else None,
                      "closed_by": str(row.closed_by) if row and row.closed_by else None,
                      "reopened_at": _iso(row.reopened_at) if row else None,
                      "reopened_by": str(row.reopened_by) if row and row.reopened_by else None,
                      "vouchers": counts.get(key, {"draft": 0, "reviewed": 0, "posted": 0})})
    return {"items": items, "last_closed": last_closed(call.session, book.id),
            "start_period": book.start_period}


def _period(book, period):
    """The period (a Period) of a request, refused before the book's start."""
    period = Period.parse(str(period)) if not isinstance(period, Period) else period
    if period < Period.parse(book.start_period):
        raise BadRequest(code="PERIOD_BEFORE_BOOK_START",
                         message=f"期间 {period} 早于账套的建账期间 {book.start_period}",
                         message_en=f"Period {period} is before the book starts ({book.start_period})",
                         details={"period": str(period), "start_period": book.start_period})
    return period


# -- close checks ------------------------------------------------------------------------
def run_checks(session, book, period):
    """The close checks of `period` (a Period) and the trial balance through it.
    A few queries, whatever the size of the book."""
    key = str(period)
    rows = period_rows(session, book.id)
    earlier = closing.periods_between(Period.parse(book.start_period), period)
    open_earlier = [str(p) for p in earlier if not (rows.get(str(p)) and rows[str(p)].status == "closed")]

    unposted = [{"id": str(r.id), "word": r.word, "number": r.number, "status": r.status} for r in session.execute(
        select(vouchers.c.id, vouchers.c.word, vouchers.c.number, vouchers.c.status)
        .where(vouchers.c.book_id == book.id, vouchers.c.period == key, vouchers.c.status != "posted")
        .order_by(vouchers.c.word, vouchers.c.number))]

    # gaps: cheap count-vs-max first, the numbers only for a word that has gaps
    gaps = {}
    for word, count, top in session.execute(
            select(vouchers.c.word, func.count(), func.max(vouchers.c.number))
            .where(vouchers.c.book_id == book.id, vouchers.c.period == key).group_by(vouchers.c.word)):
        if count != top:
            numbers = session.execute(select(vouchers.c.number).where(
                vouchers.c.book_id == book.id, vouchers.c.period == key, vouchers.c.word == word)).scalars().all()
            gaps.update(closing.number_gaps({word: numbers}))

    accounts = chart(session, book.id)
    figures = leaf_figures(session, book.id, key, key, by_aux=True)
    by_leaf = {}
    for (code, _aux), fig in figures.items():
        by_leaf.setdefault(code, Figures()).add(fig)
    tb = build_tb(accounts, by_leaf)
    classes = {a["code"]: a["class"] for a in accounts}
    remaining = [{"account": code, "aux_item": aux or None, "balance": str(fig.closing)}
                 for (code, aux), fig in sorted(figures.items())
                 if (classes.get(code) or classes.get(code[:4])) == "损益" and fig.closing != 0]
    totals = as_strings(tb["totals"])
    checks = [closing.earlier_open_check(open_earlier), closing.unposted_check(unposted), closing.gaps_check(gaps),
              closing.balanced_check(totals, tb["balanced"]), closing.profit_loss_check(remaining)]
    return checks, totals, rows.get(key)


def close_check(call, client_id, period):
    book = book_for(call, client_id)
    period = _period(book, period)
    checks, totals, row = run_checks(call.session, book, period)
    return {"period": str(period), "status": row.status if row else "open", "checks": checks,
            "ok": not closing.failing(checks), "totals": totals}


# -- close and reopen ------------------------------------------------------------------------
def close_book_period(call, book, period):
    """Close `period` of `book` (already row-locked): checks, lock, open the next
    period, log, publish. Raises 409 PERIOD_CLOSED or CLOSE_CHECK_FAILED."""
    key = str(period)
    checks, totals, row = run_checks(call.session, book, period)
    closing.check_closable(key, row.status if row is not None else "open", checks)
    user = call.auth.user_id
    closed = insert(periods).values(book_id=book.id, period=key, agency_id=book.agency_id, status="closed",
                                    closed_at=call.now, closed_by=user)
    call.session.execute(closed.on_conflict_do_update(index_elements=["book_id", "period"],
                                                      set_={"status": "closed", "closed_at": call.now,
                                                            "closed_by": user}))
    following = str(period.next())
    call.session.execute(insert(periods).values(book_id=book.id, period=following, agency_id=book.agency_id,
                                                status="open").on_conflict_do_nothing())
    call.session.execute(period_log.insert().values(book_id=book.id, agency_id=book.agency_id, period=key,
                                                    action="closed", user_id=user, at=call.now,
                                                    details={"totals": totals}))
    result = {"period": key, "status": "closed", "closed_at": call.now.isoformat(), "closed_by": str(user),
              "next_period": following, "totals": totals}
    events.period_closed(call, book, result)
    return result


def close_period(call, client_id, period):
    book = book_for(call, client_id, lock=True)
    return close_book_period(call, book, _period(book, period))


def reopen_period(call, client_id, period):
    """反结账: only the latest closed period (409 PERIOD_NOT_LATEST_CLOSED otherwise)."""
    book = book_for(call, client_id, lock=True)
    period = _period(book, period)
    key = str(period)
    closing.check_reopenable(key, last_closed(call.session, book.id))
    user = call.auth.user_id
    call.session.execute(periods.update().where(periods.c.book_id == book.id, periods.c.period == key)
                         .values(status="open", reopened_at=call.now, reopened_by=user))
    call.session.execute(period_log.insert().values(book_id=book.id, agency_id=book.agency_id, period=key,
                                                    action="reopened", user_id=user, at=call.now,
                                                    details={"roles": list(call.auth.roles)}))
    result = {"period": key, "status": "open", "reopened_at": call.now.isoformat(), "reopened_by": str(user)}
    events.period_reopened(call, book, result)
    return result


def period_history(call, client_id):
    """Who closed and reopened which period when (the audit of period_log)."""
    book = book_for(call, client_id)
    rows = call.session.execute(select(period_log).where(period_log.c.book_id == book.id)
                                .order_by(period_log.c.id)).all()
    return {"items": [{"period": r.period, "action": r.action, "user_id": str(r.user_id) if r.user_id else None,
                       "at": r.at.isoformat(), "details": r.details or {}} for r in rows]}



# -- generated vouchers: 结转损益 and 计提 -----------------------------------------------------------
def _open_period(call, book, period):
    """Refuse a closed period (409 PERIOD_CLOSED), before anything is generated."""
    check_open(period, book.start_period, last_closed(call.session, book.id))


def _leaf(call, book, code, what_zh, what_en):
    row = call.session.execute(select(accounts.c.code, accounts.c.is_leaf, accounts.c.enabled)
                               .where(accounts.c.book_id == book.id, accounts.c.code == code)).first()
    if row is None or not row.is_leaf or not row.enabled:
        raise Conflict(code="ACCOUNT_NOT_USABLE",
                       message=f"{what_zh}科目 {code} 不存在、已停用或有下级科目，无法自动生成凭证",
                       message_en=f"The {what_en} account {code} is missing, disabled or has sub-accounts",
                       details={"account": code})
    return code


def retained_account(call, book, client_id):
    """利润分配—未分配利润: the leaf under 利润分配 (3104/4104) named 未分配利润; when
    there is none, it is created as a sub-account (the same rules as add_account),
    unless 利润分配 itself is a leaf that already has entries (a sub-account cannot be
    added then): 利润分配 itself takes the line."""
    from .accounts import add_account, has_entries

    parent = cf.DISTRIBUTION_ACCOUNT[book.standard]
    found = call.session.execute(select(accounts.c.code).where(
        accounts.c.book_id == book.id, accounts.c.parent_code == parent, accounts.c.name == cf.RETAINED_NAME,
        accounts.c.is_leaf, accounts.c.enabled).order_by(accounts.c.code)).scalars().first()
    if found:
        return found
    row = call.session.execute(select(accounts.c.is_leaf).where(accounts.c.book_id == book.id,
                                                                accounts.c.code == parent)).first()
    if row is None:
        return _leaf(call, book, parent, "利润分配", "profit distribution")
    if row.is_leaf and has_entries(call, book, parent):
        return parent
    return add_account(call, client_id, {"parent_code": parent, "name": cf.RETAINED_NAME})["code"]


def _create_and_post(call, book, lines, day, word, source):
    """A generated voucher: created, reviewed and posted by the caller in this
    transaction, through the same rules as one entered by hand (domain/workflow.py:
    the reviewer rule exempts what the ledger generates and posts itself)."""
    from .posting import post_rows
    from .vouchers import create_one

    payload = {"date": day, "word": word, "lines": [
        {"summary": line["summary"], "account": line["account"], "aux_item": line.get("aux_key") or None,
         "debit": line["debit"] or None, "credit": line["credit"] or None} for line in lines]}
    view = create_one(call, book, payload, source=source)
    check_review(call.auth.user_id, [SimpleNamespace(**view)], allow_self_review=book.allow_self_review)
    row = mark_reviewed(call.session, [view["id"]], call.auth.user_id, call.now)[0]
    events.voucher_reviewed(call, book, [row])
    state = book_state(call.session, book, Period.of(day))
    check_postable([row], opening_balanced=state.opening_balanced, last_closed=state.last_closed,
                   first_open=state.first_open)
    return post_rows(call, book, [row], with_views=True)[0]


def profit_loss_balances(call, book, key):
    """[(code, aux_key, net)] of 损益 leaves with a balance at the end of period `key`."""
    classes = {a["code"]: a["class"] for a in chart(call.session, book.id)}
    figures = leaf_figures(call.session, book.id, key, key, by_aux=True)
    return [(code, aux, fig.closing) for (code, aux), fig in figures.items()
            if (classes.get(code) or classes.get(code[:4])) == "损益" and fig.closing != 0]


def carry_forward(call, client_id, period):
    """结转损益 for `period`: every 损益 balance to 本年利润 in one voucher, created and
    posted at once (dated the period's last day); in December also 本年利润 → 利润分配—
    未分配利润 in a second one. Refused while the period has unposted vouchers. Running
    it again when nothing is left generates nothing and says so."""
    book = book_for(call, client_id, lock=True)
    period = _period(book, period)
    key = str(period)
    _open_period(call, book, period)
    unposted = [{"id": str(r.id), "word": r.word, "number": r.number, "status": r.status} for r in call.session.execute(
        select(vouchers.c.id, vouchers.c.word, vouchers.c.number, vouchers.c.status)
        .where(vouchers.c.book_id == book.id, vouchers.c.period == key, vouchers.c.status != "posted")
        .order_by(vouchers.c.word, vouchers.c.number))]
    closing.check_carry_forward(key, unposted)
    profit = cf.PROFIT_ACCOUNT[book.standard]
    word = cf.voucher_word(book.voucher_words)
    day = last_day(period)
    made = []
    lines = cf.closing_lines(profit_loss_balances(call, book, key), profit)
    if lines:
        _leaf(call, book, profit, "本年利润", "current-year profit")
        made.append(_create_and_post(call, book, lines, day, word, "carry_forward"))
    if period.month == 12:
        profit_net = sum((f.closing for f in leaf_figures(call.session, book.id, key, key, prefix=profit).values()),
                         Decimal(0))
        if profit_net:
            _leaf(call, book, profit, "本年利润", "current-year profit")
            year_end = cf.year_end_lines(profit_net, profit, retained_account(call, book, client_id))
            made.append(_create_and_post(call, book, year_end, day, word, "carry_forward"))
    if not made:
        return {"period": key, "vouchers": [], "carried": False,
                "message": f"会计期间 {key} 没有需要结转的损益", "message_en": f"Nothing to carry forward in {key}"}
    return {"period": key, "vouchers": made, "carried": True,
            "message": f"已生成并记账{len(made)}张结转凭证", "message_en": f"{len(made)} carry-forward voucher(s) posted"}


ACCRUAL_NAMES = {"计提工资": "salary", "计提折旧": "depreciation", "计提税金及附加": "surtax", "摊销": "amortization"}


def _leaf_for(call, book, code):
    """A template's first-level code → the book's leaf: itself when a leaf, its only
    leaf when it has exactly one, else 400 ACCOUNT_NOT_LEAF (pick one and edit the draft)."""
    leaves = call.session.execute(select(accounts.c.code).where(
        accounts.c.book_id == book.id, accounts.c.code >= code, accounts.c.code < code + ":", accounts.c.is_leaf,
        accounts.c.enabled)).scalars().all()
    if len(leaves) == 1:
        return leaves[0]
    raise BadRequest(code="ACCOUNT_NOT_LEAF",
                     message=f"科目 {code} 有多个下级科目，无法确定计提到哪一个；请用普通凭证录入",
                     message_en=f"Account {code} has several sub-accounts; enter this accrual as an ordinary voucher",
                     details={"account": code, "leaves": leaves[:50]})


def accrue(call, client_id, period, payload):
    """计提: a DRAFT voucher from an accrual template (editable, then reviewed and posted
    as usual), dated the period's last day unless a date is given."""
    from .vouchers import create_one

    book = book_for(call, client_id)
    period = _period(book, period)
    _open_period(call, book, period)
    template = ACCRUAL_NAMES.get(payload["template"], payload["template"])
    try:
        lines = accrual_templates.build(template, book.standard, payload.get("amounts") or {}, period=str(period))
    except accrual_templates.AccrualError as exc:
        raise BadRequest(code=exc.code, message=exc.message, message_en=exc.message_en, details=exc.details) from exc
    day = payload.get("date") or last_day(period)
    if Period.of(day) != period:
        raise BadRequest(code="DATE_NOT_IN_PERIOD", message=f"日期 {day.isoformat()} 不在会计期间 {period} 内",
                         message_en=f"The date {day.isoformat()} is not in period {period}",
                         details={"date": day.isoformat(), "period": str(period)})
    word = payload.get("word") or cf.voucher_word(book.voucher_words)
    voucher = {"date": day, "word": word, "lines": [
        {"summary": line["summary"], "account": _leaf_for(call, book, line["account"]),
         "debit": line.get("debit"), "credit": line.get("credit")} for line in lines]}
    return create_one(call, book, voucher, source="accrual")
