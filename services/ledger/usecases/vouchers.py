"""Vouchers (记账凭证): create (one, or a batch all-or-nothing), read, change and delete
drafts, reverse posted ones (红字冲销), renumber a period (整理凭证).

Writing is lean on purpose (the benchmark: hundreds of vouchers a second): a voucher
is checked in Python against the accounts it names, the number comes from one counter
upsert per (period, word), the voucher, its lines and its event go in with one
statement each — a batch of 10,000 the same way, with multi-row inserts."""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Integer, column, delete, exists, func, insert, select, update, values
from sqlalchemy.dialects.postgresql import UUID

from servicekit.errors import AppError, BadRequest, Conflict
from servicekit.ids import new_id, valid_uuid
from servicekit.money import Period

from .. import events
from ..domain.numbering import Numbered, renumber_plan
from ..domain.periods import check_date, check_open, default_date
from ..domain.reversal import check_reversible, reversal_lines, reversal_summary
from ..domain.vouchers import check_lines, check_word
from ..domain.workflow import check_draft
from ..repository.accounts import account_infos, aux_lookup
from ..repository.books import book_state, ensure_periods
from ..repository.vouchers import insert_vouchers, locked_voucher, take_numbers, voucher_not_found
from ..tables import voucher_counters, voucher_lines, vouchers
from .access import book_for
from .books import book_with_state
from .views import line_view, load_lines, voucher_view, voucher_views


# -- preparing and writing -------------------------------------------------------------------

@dataclass
class Prepared:
    row: dict  # the vouchers row, without its number
    lines: list  # normalised lines (domain.vouchers.check_lines)


def prepare(call, book, state, payload, accounts, aux, *, source, reversal_of=None, voucher_id=None):
    """Check one voucher payload against the book; a Prepared or an AppError."""
    word = check_word(payload.get("word") or "记", state.voucher_words)
    period = check_date(payload["date"], state.start_period, state.last_closed, call.today)
    lines, total = check_lines(payload.get("lines"), accounts, aux, reversal=source == "reversal")
    return Prepared(row={
        "id": voucher_id or new_id(), "book_id": book.id, "agency_id": book.agency_id, "client_id": book.client_id,
        "period": str(period), "date": payload["date"], "word": word, "attachments": payload.get("attachments") or 0,
        "status": "draft", "source": source, "total": total, "reversal_of": reversal_of, "reversed_by": None,
        "version": 1, "created_by": call.auth.user_id, "created_at": call.now,
    }, lines=lines)


def line_rows(prepared):
    row = prepared.row
    return [{"voucher_id": row["id"], "book_id": row["book_id"], "line_no": line["line_no"], "period": row["period"],
             "date": row["date"], "posted": False, "summary": line["summary"], "account_code": line["account_code"],
             "debit": line["debit"], "credit": line["credit"], "aux_key": line["aux_key"],
             "quantity": line["quantity"], "unit_price": line["unit_price"]} for line in prepared.lines]


def write_new(call, book, state, prepared_list):
    """Number, insert and announce new vouchers (all in one go); returns the rows
    (dicts) with their numbers."""
    wanted = {item.row["period"] for item in prepared_list}
    if not state.covers(wanted):
        ensure_periods(call.session, book, max(Period.parse(text) for text in wanted))
    counts = defaultdict(int)
    for item in prepared_list:
        counts[(item.row["period"], item.row["word"])] += 1
    numbers = take_numbers(call.session, book, counts)
    handed = defaultdict(int)
    for item in prepared_list:
        key = (item.row["period"], item.row["word"])
        item.row["number"] = numbers[key][handed[key]]
        handed[key] += 1
    rows = [item.row for item in prepared_list]
    insert_vouchers(call.session, rows, [line for item in prepared_list for line in line_rows(item)])
    return rows


def created_views(prepared_list, accounts, aux, with_lines=True):
    views = []
    for item in prepared_list:
        lines = [line_view(line, accounts[line["account_code"]].name, aux.by_id.get(line["aux_key"]))
                 for line in item.lines] if with_lines else None
        views.append(voucher_view({**item.row, "reviewed_at": None, "posted_at": None, "reviewed_by": None,
                                   "posted_by": None}, lines))
    return views


def line_refs(payload):
    lines = payload.get("lines") or ()
    return [line.get("account") for line in lines], [line.get("aux_item") for line in lines]


def create_one(call, book, payload, *, source="manual", reversal_of=None, state=None):
    """The single-voucher path: a handful of statements. Returns the view."""
    codes, refs = line_refs(payload)
    accounts = account_infos(call.session, book.id, codes)
    aux = aux_lookup(call.session, book.id, refs)
    day = payload.get("date")
    state = state or book_state(call.session, book, Period.of(day) if day else None)
    prepared = prepare(call, book, state, payload, accounts, aux, source=source, reversal_of=reversal_of)
    write_new(call, book, state, [prepared])
    view = created_views([prepared], accounts, aux)[0]
    events.voucher_created(call, book, [(view, len(view["lines"]))])
    return view


def create_voucher(call, client_id, payload, source="manual"):
    day = payload.get("date")
    book, state = book_with_state(call, client_id, Period.of(day) if day else None)
    return create_one(call, book, payload, source=source, state=state)


def check_batch_size(call, count):
    limit = call.settings.batch_max
    if count > limit:
        raise BadRequest(code="BATCH_TOO_LARGE", message=f"一次最多{limit}张凭证，请分批提交",
                         message_en=f"At most {limit} vouchers at a time; split the batch",
                         details={"limit": limit, "count": count})


def batch_error(errors, label="index"):
    """All-or-nothing: the batch is refused with every bad voucher listed."""
    first = errors[0]
    return BadRequest(code="BATCH_INVALID",
                      message=f"共{len(errors)}张凭证有误，全部未保存；第一处：{first['message']}",
                      message_en=f"{len(errors)} voucher(s) are invalid and nothing was saved; first: {first['message_en']}",
                      details={"errors": errors[:1000], "count": len(errors)})


def error_item(position, exc, label="index"):
    return {label: position, "code": exc.code, "message": exc.message, "message_en": exc.message_en,
            "details": exc.details}


def create_many(call, book, payloads, *, source="batch", positions=None, label="index"):
    """Check every voucher, then write all of them or none (400 BATCH_INVALID listing
    each bad one by its index, or by `positions`, e.g. spreadsheet rows)."""
    check_batch_size(call, len(payloads))
    accounts = account_infos(call.session, book.id)
    aux = aux_lookup(call.session, book.id)
    state = book_state(call.session, book)
    prepared, errors = [], []
    for index, payload in enumerate(payloads):
        try:
            prepared.append(prepare(call, book, state, payload, accounts, aux, source=source))
        except AppError as exc:
            errors.append(error_item(positions[index] if positions else index, exc, label))
    if errors:
        raise batch_error(errors, label)
    write_new(call, book, state, prepared)
    views = created_views(prepared, accounts, aux, with_lines=False)
    events.voucher_created(call, book, [(view, len(item.lines)) for view, item in zip(views, prepared)])
    return views


def create_vouchers(call, client_id, payload):
    book = book_for(call, client_id)
    views = create_many(call, book, payload["vouchers"])
    return {"items": views, "count": len(views)}


# -- reading --------------------------------------------------------------------------------

def get_voucher(call, client_id, voucher_id):
    book = book_for(call, client_id)
    vid = valid_uuid(voucher_id)
    row = call.session.execute(select(vouchers).where(vouchers.c.book_id == book.id, vouchers.c.id == vid)).first() \
        if vid else None
    if row is None:
        raise voucher_not_found(voucher_id)
    return voucher_view(row, load_lines(call.session, book.id, [row.id])[str(row.id)])


def filtered(book, query):
    conditions = [vouchers.c.book_id == book.id]
    if query.get("period"):
        conditions.append(vouchers.c.period == str(query["period"]))
    if query.get("from_"):
        conditions.append(vouchers.c.period >= str(query["from_"]))
    if query.get("to"):
        conditions.append(vouchers.c.period <= str(query["to"]))
    if query.get("status"):
        conditions.append(vouchers.c.status == query["status"])
    if query.get("word"):
        conditions.append(vouchers.c.word == query["word"])
    if query.get("account"):
        conditions.append(exists().where(voucher_lines.c.voucher_id == vouchers.c.id,
                                         voucher_lines.c.account_code.startswith(query["account"])))
    return conditions


def list_vouchers(call, client_id, query):
    book = book_for(call, client_id)
    conditions = filtered(book, query)
    total = call.session.execute(select(func.count()).select_from(vouchers).where(*conditions)).scalar()
    page, size = query["page"], query["page_size"]
    rows = call.session.execute(select(vouchers).where(*conditions)
                                .order_by(vouchers.c.period, vouchers.c.word, vouchers.c.number)
                                .offset((page - 1) * size).limit(size)).all()
    return {"items": voucher_views(call.session, book.id, rows), "total": total, "page": page, "page_size": size}


# -- changing drafts --------------------------------------------------------------------------

def current_payload(call, row):
    """The voucher's content as a payload (to re-check it when only the header changes)."""
    lines = call.session.execute(select(voucher_lines).where(voucher_lines.c.voucher_id == row.id)
                                 .order_by(voucher_lines.c.line_no)).all()
    return [{"summary": line.summary, "account": line.account_code, "debit": line.debit or None,
             "credit": line.credit or None, "aux_item": line.aux_key or None, "quantity": line.quantity,
             "unit_price": line.unit_price} for line in lines]


def update_voucher(call, client_id, voucher_id, payload):
    book = book_for(call, client_id)
    row = locked_voucher(call.session, book, voucher_id)
    check_draft(row, "修改", "change")
    if payload["version"] != row.version:
        raise Conflict(code="VERSION_CONFLICT", message="凭证已被他人修改，请刷新后重试",
                       message_en="The voucher was changed by someone else; reload and try again",
                       details={"current_version": row.version, "your_version": payload["version"]})
    if row.source == "reversal":
        raise Conflict(code="VOUCHER_IS_REVERSAL", message="红字冲销凭证不能修改；如有误请删除后重新冲销",
                       message_en="A reversal cannot be edited; delete it and reverse the original again",
                       details={"voucher_id": str(row.id)})
    merged = {"date": payload.get("date", row.date), "word": payload.get("word", row.word),
              "attachments": payload.get("attachments", row.attachments),
              "lines": payload["lines"] if "lines" in payload else current_payload(call, row)}
    codes, refs = line_refs(merged)
    accounts = account_infos(call.session, book.id, codes)
    aux = aux_lookup(call.session, book.id, refs)
    state = book_state(call.session, book, Period.of(merged["date"]))
    check_open(row.period, state.start_period, state.last_closed)
    prepared = prepare(call, book, state, merged, accounts, aux, source=row.source, reversal_of=row.reversal_of,
                       voucher_id=row.id)
    new = prepared.row
    if (new["period"], new["word"]) != (row.period, row.word):
        if not state.covers({new["period"]}):
            ensure_periods(call.session, book, Period.parse(new["period"]))
        number = take_numbers(call.session, book, {(new["period"], new["word"]): 1})[(new["period"], new["word"])][0]
    else:
        number = row.number
    changed = call.session.execute(
        update(vouchers).where(vouchers.c.id == row.id)
        .values(period=new["period"], date=new["date"], word=new["word"], number=number,
                attachments=new["attachments"], total=new["total"], version=vouchers.c.version + 1,
                updated_by=call.auth.user_id, updated_at=call.now)
        .returning(vouchers)).one()
    call.session.execute(delete(voucher_lines).where(voucher_lines.c.voucher_id == row.id))
    prepared.row.update(number=number)
    call.session.execute(insert(voucher_lines), line_rows(prepared))
    view = voucher_view(changed, [line_view(line, accounts[line["account_code"]].name, aux.by_id.get(line["aux_key"]))
                                  for line in prepared.lines])
    events.voucher_updated(call, book, view, len(prepared.lines))
    return view


def delete_voucher(call, client_id, voucher_id):
    book = book_for(call, client_id)
    row = locked_voucher(call.session, book, voucher_id)
    check_draft(row, "删除", "delete")
    state = book_state(call.session, book)
    check_open(row.period, state.start_period, state.last_closed)
    call.session.execute(delete(voucher_lines).where(voucher_lines.c.voucher_id == row.id))
    call.session.execute(delete(vouchers).where(vouchers.c.id == row.id))
    if row.reversal_of is not None:
        # the original may be reversed again
        call.session.execute(update(vouchers).where(vouchers.c.id == row.reversal_of)
                             .values(reversed_by=None, version=vouchers.c.version + 1))
    events.voucher_deleted(call, book, row)
    return {"id": str(row.id), "deleted": True}


# -- reversal (红字冲销) --------------------------------------------------------------------------

def reverse_voucher(call, client_id, voucher_id, payload):
    book = book_for(call, client_id)
    original = locked_voucher(call.session, book, voucher_id)
    check_reversible(original._mapping)
    day = payload.get("date")
    if day is None:
        state = book_state(call.session, book)
        day = default_date(call.today, state.start_period, state.last_closed)
    state = book_state(call.session, book, Period.of(day))
    lines = call.session.execute(select(voucher_lines).where(voucher_lines.c.voucher_id == original.id)
                                 .order_by(voucher_lines.c.line_no)).all()
    summary = reversal_summary(original.word, original.number, original.period, payload.get("summary"))
    reversal_payload = {"date": day, "word": original.word if original.word in state.voucher_words
                        else state.voucher_words[0], "attachments": 0,
                        "lines": reversal_lines([line._mapping for line in lines], summary)}
    view = create_one(call, book, reversal_payload, source="reversal", reversal_of=original.id, state=state)
    call.session.execute(update(vouchers).where(vouchers.c.id == original.id)
                         .values(reversed_by=view["id"], version=vouchers.c.version + 1))
    events.voucher_reversed(call, book, original, view)
    return view


# -- 整理凭证 -------------------------------------------------------------------------------------

def renumber_vouchers(call, client_id, payload):
    """Close the numbering gaps of a period (per word): see domain/numbering.py."""
    book = book_for(call, client_id)
    period = str(payload["period"])
    state = book_state(call.session, book, period)
    check_open(period, state.start_period, state.last_closed)
    words = [payload["word"]] if payload.get("word") else None
    counter_filter = [voucher_counters.c.book_id == book.id, voucher_counters.c.period == period]
    voucher_filter = [vouchers.c.book_id == book.id, vouchers.c.period == period]
    if words:
        counter_filter.append(voucher_counters.c.word.in_(words))
        voucher_filter.append(vouchers.c.word.in_(words))
    # the counters first: creates in this period wait until the new numbers are in
    call.session.execute(select(voucher_counters.c.word).where(*counter_filter)
                         .order_by(voucher_counters.c.word).with_for_update()).all()
    rows = call.session.execute(select(vouchers.c.id, vouchers.c.word, vouchers.c.number, vouchers.c.date,
                                       vouchers.c.status).where(*voucher_filter)
                                .order_by(vouchers.c.word, vouchers.c.number).with_for_update()).all()
    by_word = defaultdict(list)
    for row in rows:
        by_word[row.word].append(Numbered(str(row.id), row.number, row.date, row.status == "posted"))
    plans = {word: renumber_plan(items, word) for word, items in sorted(by_word.items())}
    changes = [(vid, word, old, new) for word, plan in plans.items() for vid, old, new in plan]
    if changes:
        table = values(column("id", UUID(as_uuid=False)), column("new", Integer), name="renumbered").data(
            [(vid, new) for vid, _, _, new in changes])
        # two steps: the unique (book, period, word, number) index is checked row by row
        call.session.execute(update(vouchers).where(vouchers.c.id == table.c.id)
                             .values(number=-table.c.new, version=vouchers.c.version + 1,
                                     updated_by=call.auth.user_id, updated_at=call.now))
        call.session.execute(update(vouchers).where(*voucher_filter, vouchers.c.number < 0)
                             .values(number=-vouchers.c.number))
    for word, items in by_word.items():
        call.session.execute(update(voucher_counters).where(
            voucher_counters.c.book_id == book.id, voucher_counters.c.period == period,
            voucher_counters.c.word == word).values(last_number=len(items)))
    events.vouchers_renumbered(call, book, period, plans)
    return {"period": period, "count": len(rows),
            "changes": [{"voucher_id": vid, "word": word, "from": old, "to": new} for vid, word, old, new in changes]}

