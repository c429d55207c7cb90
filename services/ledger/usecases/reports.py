"""The books of account: 科目余额表 (trial balance), 总账 (general ledger), 明细账
(detail ledger), 序时账 (journal) and 辅助核算余额表 (auxiliary balances).

Balances come from `opening_balances` + `period_balances` (posted movements per
period, leaf account and auxiliary item, kept by posting), aggregated in SQL in one
query, so a trial balance costs the same for 1,000 lines as for 1,000,000. Only the
detail ledger and the journal read `voucher_lines`, a page at a time: the detail
ledger walks the partial index ix_voucher_lines_detail (book, account, period, date,
voucher, line) and computes the running balance with a window sum.

Every figure is posted figures only: drafts and reviewed vouchers are not in the books."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, text

from servicekit.errors import BadRequest

from ..domain.balances import Figures, ZERO, as_strings, money, roll_up, side, tb_amounts, trial_balance as build_tb
from ..tables import accounts, aux_items
from .access import book_for

MAX_OFFSET_ROWS = 10_000_000


# -- reading ---------------------------------------------------------------------------
def chart(session, book_id):
    """The book's accounts as dicts, in code order."""
    rows = session.execute(
        select(accounts.c.code, accounts.c.name, accounts.c["class"], accounts.c.direction, accounts.c.level,
               accounts.c.is_leaf, accounts.c.parent_code, accounts.c.auxiliary)
        .where(accounts.c.book_id == book_id).order_by(accounts.c.code)).mappings().all()
    return [dict(row) for row in rows]


def _prefix_clause(prefix, column="account_code"):
    """Codes under `prefix` (digits only, so prefix‥prefix':' is exactly the prefix range)."""
    if not prefix:
        return "", {}
    return f" AND {column} >= :lo AND {column} < :hi", {"lo": prefix, "hi": prefix + ":"}


def leaf_figures(session, book_id, start, end, *, by_aux=False, prefix=None, aux_key=None, only_aux=False):
    """{code: Figures} (or {(code, aux_key): Figures} with `by_aux`) for the range
    start..end (period strings): opening = opening balances + posted movements before
    `start`; debit/credit = posted movements from `start` to `end`. One query."""
    where, params = _prefix_clause(prefix)
    if aux_key is not None:
        where += " AND aux_key = :aux"
        params["aux"] = aux_key
    if only_aux:
        where += " AND aux_key <> ''"
    key = "account_code, aux_key" if by_aux else "account_code"
    sql = text(f"""
        SELECT {key}, coalesce(sum(opening), 0) AS opening, coalesce(sum(debit), 0) AS debit,
               coalesce(sum(credit), 0) AS credit
        FROM (
            SELECT account_code, aux_key, debit - credit AS opening, 0 AS debit, 0 AS credit
            FROM opening_balances WHERE book_id = :book {where}
            UNION ALL
            SELECT account_code, aux_key,
                   sum(debit - credit) FILTER (WHERE period < :start),
                   sum(debit) FILTER (WHERE period >= :start),
                   sum(credit) FILTER (WHERE period >= :start)
            FROM period_balances WHERE book_id = :book AND period <= :end {where}
            GROUP BY account_code, aux_key
        ) AS figures
        GROUP BY {key}""")
    result = {}
    for row in session.execute(sql, {"book": book_id, "start": start, "end": end, **params}):
        figures = Figures(Decimal(row.opening), Decimal(row.debit), Decimal(row.credit))
        result[(row.account_code, row.aux_key) if by_aux else row.account_code] = figures
    return result


def period_range(query):
    """(start, end) period strings of a loaded range query."""
    if query.get("period") is not None:
        return str(query["period"]), str(query["period"])
    return str(query["from_"]), str(query["to"])


def range_reply(query):
    if query.get("period") is not None:
        return {"period": str(query["period"])}
    return {"from": str(query["from_"]), "to": str(query["to"])}


def account_unknown(code):
    return BadRequest(code="ACCOUNT_UNKNOWN", message=f"科目不存在：{code}", message_en=f"No account {code} in this book",
                      details={"account": code})


# -- 科目余额表 ------------------------------------------------------------------------------
def compute_trial_balance(session, book_id, start, end, level=None):
    """The trial balance with Decimal amounts (for close checks and events)."""
    return build_tb(chart(session, book_id), leaf_figures(session, book_id, start, end), level=level)


def trial_balance(call, client_id, query):
    book = book_for(call, client_id)
    start, end = period_range(query)
    tb = compute_trial_balance(call.session, book.id, start, end, level=query.get("level"))
    return {**range_reply(query), "rows": [as_strings(row) for row in tb["rows"]],
            "totals": as_strings(tb["totals"]), "balanced": tb["balanced"],
            "presentation": "net_by_sign"}


# -- 总账 ----------------------------------------------------------------------------------
def _balance(net):
    label, side_en, amount = side(net)
    return {"side": label, "side_en": side_en, "balance": money(amount)}


def general_ledger(call, client_id, query):
    """Per account: the opening balance, each period's debit, credit and balance with
    本年累计 (year-to-date from January of that year, or from the book's start)."""
    book = book_for(call, client_id)
    start, end = period_range(query)
    prefix = query.get("account")
    the_chart = chart(call.session, book.id)
    codes = {a["code"] for a in the_chart}
    if prefix and prefix not in codes:
        raise account_unknown(prefix)
    where, params = _prefix_clause(prefix)
    year_start = start[:4] + "-01"
    opening = roll_up(leaf_figures(call.session, book.id, start, start, prefix=prefix), codes)
    moves = call.session.execute(text(f"""
        SELECT account_code, period, sum(debit) AS debit, sum(credit) AS credit FROM period_balances
        WHERE book_id = :book AND period >= :year_start AND period <= :end {where}
        GROUP BY account_code, period"""), {"book": book.id, "year_start": year_start, "end": end, **params}).all()
    # {code: {period: Figures}} rolled up to every level
    per_period = {}
    for row in moves:
        for code in {row.account_code[:n] for n in (4, 6, 8, 10) if n <= len(row.account_code)} & codes:
            fig = per_period.setdefault(code, {}).setdefault(row.period, Figures())
            fig.debit += Decimal(row.debit)
            fig.credit += Decimal(row.credit)
    periods = _periods(start, end)
    out = []
    for account in the_chart:
        code = account["code"]
        if prefix and not code.startswith(prefix):
            continue
        if query.get("level") and account["level"] > query["level"]:
            continue
        open_net = opening.get(code, Figures()).opening
        moves_of = per_period.get(code, {})
        if not open_net and not moves_of:
            continue
        balance, rows = open_net, []
        ytd_debit = ytd_credit = ZERO
        total_debit = total_credit = ZERO
        # movements of the year before the range count toward 本年累计
        for period, fig in moves_of.items():
            if period < start:
                ytd_debit += fig.debit
                ytd_credit += fig.credit
        for period in periods:
            if period.endswith("-01"):
                ytd_debit = ytd_credit = ZERO
            fig = moves_of.get(period, Figures())
            balance += fig.debit - fig.credit
            ytd_debit += fig.debit
            ytd_credit += fig.credit
            total_debit += fig.debit
            total_credit += fig.credit
            rows.append({"period": period, "debit": money(fig.debit), "credit": money(fig.credit),
                         "ytd_debit": money(ytd_debit), "ytd_credit": money(ytd_credit), **_balance(balance)})
        out.append({"account": code, "name": account["name"], "class": account["class"],
                    "direction": account["direction"], "level": account["level"], "is_leaf": account["is_leaf"],
                    "opening": _balance(open_net), "periods": rows,
                    "totals": {"debit": money(total_debit), "credit": money(total_credit)},
                    "closing": _balance(balance)})
    return {**range_reply(query), "accounts": out}


def _periods(start, end):
    from servicekit.money import Period

    out, current, last = [], Period.parse(start), Period.parse(end)
    while current <= last:
        out.append(str(current))
        current = current.next()
    return out


# -- 明细账 ----------------------------------------------------------------------------------
def detail_ledger(call, client_id, query):
    """One account (with its sub-accounts), its posted lines in date order, a page at
    a time, each with the running balance; the opening and closing of the range."""
    book = book_for(call, client_id)
    start, end = period_range(query)
    code = query["account"]
    row = call.session.execute(select(accounts.c.name, accounts.c.is_leaf, accounts.c.direction)
                               .where(accounts.c.book_id == book.id, accounts.c.code == code)).first()
    if row is None:
        raise account_unknown(code)
    aux_key = str(query["aux_item"]) if query.get("aux_item") else None
    page, size = query["page"], query["page_size"]
    offset = (page - 1) * size
    if offset > MAX_OFFSET_ROWS:
        raise BadRequest(code="PAGE_TOO_DEEP", message="页码过大", message_en="Page too deep")

    figures = leaf_figures(call.session, book.id, start, end, prefix=code, aux_key=aux_key)
    total = Figures()
    for fig in figures.values():
        total.add(fig)
    # Each account's posted lines are one range of ix_voucher_lines_detail, already in
    # (period, date, voucher, line) order. A page needs the first offset+size lines of
    # the merged order, and those are among the first offset+size of each account: so
    # each branch reads only that much of its index range, and a page of a parent
    # account never sorts all its lines (the planner will not Merge-Append these).
    codes = call.session.execute(select(accounts.c.code).where(
        accounts.c.book_id == book.id, accounts.c.code >= code, accounts.c.code < code + ":")).scalars().all()
    # Posted lines and movements per period come from period_balances (line_count): the
    # total needs no count over the lines, and whole periods before the page are skipped
    # (their movement joins the running balance), so a deep page reads only its own
    # period's index range up to the page.
    by_period = call.session.execute(text(f"""
        SELECT period, sum(debit) AS debit, sum(credit) AS credit, sum(line_count) AS lines FROM period_balances
        WHERE book_id = :book AND period >= :start AND period <= :end
              AND account_code >= :lo AND account_code < :hi {"AND aux_key = :aux" if aux_key is not None else ""}
        GROUP BY period ORDER BY period"""),
        {"book": book.id, "start": start, "end": end, "lo": code, "hi": code + ":", "aux": aux_key}).all()
    count = sum(int(p.lines) for p in by_period)
    skipped, moved_before, first = 0, Decimal("0"), None
    for each_period in by_period:
        if skipped + int(each_period.lines) > offset:
            first = each_period.period
            break
        skipped += int(each_period.lines)
        moved_before += each_period.debit - each_period.credit
    local_offset = offset - skipped
    # then whole days of that period, from daily_balances, so a deep page reads only
    # its own day's lines before it
    day = None
    if first is not None:
        first_day = date(int(first[:4]), int(first[5:]), 1)
        days = call.session.execute(text(f"""
            SELECT date, sum(debit) AS debit, sum(credit) AS credit, sum(line_count) AS lines FROM daily_balances
            WHERE book_id = :book AND account_code >= :lo AND account_code < :hi
                  AND date >= :d0 AND date < :d1 {"AND aux_key = :aux" if aux_key is not None else ""}
            GROUP BY date ORDER BY date"""),
            {"book": book.id, "lo": code, "hi": code + ":", "aux": aux_key, "d0": first_day,
             "d1": (first_day + timedelta(days=32)).replace(day=1)}).all()
        for each_day in days:
            if int(each_day.lines) > local_offset:
                day = each_day.date
                break
            local_offset -= int(each_day.lines)
            moved_before += each_day.debit - each_day.credit
    params = {"book": book.id, "start": first, "day": day or date(1, 1, 1), "end": end, "limit": size,
              "offset": local_offset, "head": local_offset + size}
    aux_where = ""
    if aux_key is not None:
        aux_where = " AND aux_key = :aux"
        params["aux"] = aux_key
    branches = []
    for number, each in enumerate(codes):
        params[f"c{number}"] = each
        branches.append(f"""SELECT id, voucher_id, line_no, period, date, summary, account_code, aux_key, debit, credit
            FROM voucher_lines WHERE book_id = :book AND posted AND account_code = :c{number}
            AND (period, date) >= (:start, :day) AND period <= :end{aux_where}""")
    head = " UNION ALL ".join(f"({branch} ORDER BY period, date, voucher_id, line_no LIMIT :head)"
                              for branch in branches)
    order = "period, date, voucher_id, line_no"
    lines = []
    if first is not None and branches:
        lines = call.session.execute(text(f"""
            WITH page AS (
                SELECT u.*, sum(debit - credit) OVER (ORDER BY {order} ROWS UNBOUNDED PRECEDING) AS moved
                FROM ({head}) AS u ORDER BY {order} LIMIT :limit OFFSET :offset)
            SELECT page.*, v.word, v.number, a.name AS account_name
            FROM page JOIN vouchers v ON v.id = page.voucher_id
            LEFT JOIN accounts a ON a.book_id = :book AND a.code = page.account_code
            ORDER BY page.period, page.date, page.voucher_id, page.line_no"""), params).all()
    items = []
    for line in lines:
        items.append({"date": line.date.isoformat(), "period": line.period, "voucher_id": str(line.voucher_id),
                      "word": line.word, "number": line.number, "line_no": line.line_no, "summary": line.summary,
                      "account": line.account_code, "account_name": line.account_name,
                      "aux_item": line.aux_key or None, "debit": money(line.debit), "credit": money(line.credit),
                      **_balance(total.opening + moved_before + Decimal(line.moved))})
    return {**range_reply(query), "account": code, "name": row.name, "direction": row.direction,
            "aux_item": aux_key, "opening": _balance(total.opening),
            "period_totals": [{"period": p.period, "debit": money(p.debit), "credit": money(p.credit)}
                              for p in by_period],
            "totals": {"debit": money(total.debit), "credit": money(total.credit)},
            "closing": _balance(total.closing), "items": items, "total": count, "page": page, "page_size": size}


# -- 序时账 ----------------------------------------------------------------------------------
def journal(call, client_id, query):
    """Posted lines in date, voucher word and number order, a page at a time."""
    book = book_for(call, client_id)
    start, end = period_range(query)
    page, size = query["page"], query["page_size"]
    offset = (page - 1) * size
    if offset > MAX_OFFSET_ROWS:
        raise BadRequest(code="PAGE_TOO_DEEP", message="页码过大", message_en="Page too deep")
    params = {"book": book.id, "start": start, "end": end}
    rows = call.session.execute(text("""
        SELECT v.id AS voucher_id, v.date, v.period, v.word, v.number, l.line_no, l.summary, l.account_code,
               a.name AS account_name, l.aux_key, l.debit, l.credit
        FROM vouchers v JOIN voucher_lines l ON l.voucher_id = v.id
        LEFT JOIN accounts a ON a.book_id = v.book_id AND a.code = l.account_code
        WHERE v.book_id = :book AND v.status = 'posted' AND v.period >= :start AND v.period <= :end
        ORDER BY v.date, v.word, v.number, l.line_no LIMIT :limit OFFSET :offset"""),
        {**params, "limit": size, "offset": offset}).all()
    # the total from period_balances' line counts, not a count over every line
    sums = call.session.execute(text("""
        SELECT coalesce(sum(debit), 0) AS debit, coalesce(sum(credit), 0) AS credit,
               coalesce(sum(line_count), 0) AS lines FROM period_balances
        WHERE book_id = :book AND period >= :start AND period <= :end"""), params).one()
    count = int(sums.lines)
    items = [{"date": r.date.isoformat(), "period": r.period, "voucher_id": str(r.voucher_id), "word": r.word,
              "number": r.number, "line_no": r.line_no, "summary": r.summary, "account": r.account_code,
              "account_name": r.account_name, "aux_item": r.aux_key or None,
              "debit": money(r.debit), "credit": money(r.credit)} for r in rows]
    return {**range_reply(query), "items": items, "total": count, "page": page, "page_size": size,
            "totals": {"debit": money(sums.debit), "credit": money(sums.credit)}}


# -- 辅助核算余额表 ------------------------------------------------------------------------------
def aux_balances(call, client_id, query):
    """Balances per account and auxiliary item (customers, suppliers, …)."""
    book = book_for(call, client_id)
    start, end = period_range(query)
    figures = leaf_figures(call.session, book.id, start, end, by_aux=True, prefix=query.get("account"),
                           only_aux=True)
    items_query = select(aux_items.c.id, aux_items.c.kind, aux_items.c.code, aux_items.c.name) \
        .where(aux_items.c.book_id == book.id)
    if query.get("kind"):
        items_query = items_query.where(aux_items.c.kind == query["kind"])
    items = {str(r.id): r for r in call.session.execute(items_query)}
    names = {a["code"]: a["name"] for a in chart(call.session, book.id)}
    rows = []
    totals = dict.fromkeys(("opening_debit", "opening_credit", "period_debit", "period_credit", "closing_debit",
                            "closing_credit"), ZERO)
    for (code, aux_key), fig in sorted(figures.items(), key=lambda kv: (kv[0][0], _item_code(items, kv[0][1]))):
        item = items.get(aux_key)
        if item is None or fig.is_zero():
            continue  # another kind (filtered out)
        amounts = tb_amounts(fig)
        for key, value in amounts.items():
            totals[key] += value
        rows.append(as_strings({"account": code, "account_name": names.get(code), "aux_item": aux_key,
                                "kind": item.kind, "item_code": item.code, "item_name": item.name, **amounts}))
    return {**range_reply(query), "rows": rows, "totals": as_strings(totals)}


def _item_code(items, aux_key):
    item = items.get(aux_key)
    return item.code if item is not None else ""
