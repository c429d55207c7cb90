"""How the ledger's records look to callers and in events: money as strings
("1234.50"), dates ISO, periods "YYYY-MM"."""
from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from servicekit.money import money_str

from ..domain.vouchers import AuxInfo
from ..tables import accounts, aux_items, voucher_lines, vouchers


def iso(value):
    return None if value is None else value.isoformat()


def money_or_none(value):
    """A line's amount on its side; the other side is null (never "0.00")."""
    return None if value is None or value == 0 else money_str(value)


def number_text(value):
    """A quantity or unit price without trailing zeros: 12.5000 -> "12.5"."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def book_view(row, current_period=None):
    return {
        "id": row.id,
        "client_id": row.client_id,
        "name": row.name,
        "standard": row.standard,
        "start_period": row.start_period,
        "currency": row.currency,
        "voucher_words": list(row.voucher_words),
        "allow_self_review": row.allow_self_review,
        "opening_balanced": row.opening_balanced,
        "current_period": str(current_period) if current_period is not None else row.start_period,
        "version": row.version,
        "created_at": iso(row.created_at),
    }


def account_view(row):
    return {"code": row.code, "name": row.name, "class": row._mapping["class"], "direction": row.direction,
            "is_leaf": row.is_leaf, "auxiliary": list(row.auxiliary), "enabled": row.enabled, "level": row.level,
            "parent_code": row.parent_code, "is_standard": row.is_standard}


def aux_item_view(row):
    return {"id": row.id, "kind": row.kind, "code": row.code, "name": row.name, "enabled": row.enabled}


def line_view(line, account_name, aux):
    """`line`: a voucher_lines row or a normalised dict; `aux`: AuxInfo or None."""
    get = line.get if isinstance(line, dict) else line._mapping.get
    return {
        "line_no": get("line_no"),
        "summary": get("summary"),
        "account": get("account_code"),
        "account_name": account_name,
        "debit": money_or_none(get("debit")),
        "credit": money_or_none(get("credit")),
        "aux_item": aux.view() if aux is not None else None,
        "quantity": number_text(get("quantity")),
        "unit_price": number_text(get("unit_price")),
    }


HEADER_FIELDS = ("id", "book_id", "client_id", "period", "word", "number", "attachments", "status", "source",
                 "reversal_of", "reversed_by", "created_by", "reviewed_by", "posted_by", "version")


def voucher_view(row, lines=None, *, sequence=False):
    """`row`: a vouchers row or a dict with its columns; `lines`: line views (None: left out)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    view = {key: get(key) for key in HEADER_FIELDS}
    view.update({
        "date": iso(get("date")),
        "total": money_str(get("total")),
        "created_at": iso(get("created_at")),
        "reviewed_at": iso(get("reviewed_at")),
        "posted_at": iso(get("posted_at")),
    })
    for key in ("id", "book_id", "client_id", "reversal_of", "reversed_by", "created_by", "reviewed_by", "posted_by"):
        if view[key] is not None:
            view[key] = str(view[key])
    if lines is not None:
        view["lines"] = lines
    if sequence:
        view["posted_sequence"] = get("posted_sequence")
    return view


# built once, with array parameters (building a select costs more than running it)
_UUIDS = ARRAY(UUID(as_uuid=False))
_LINES = (select(voucher_lines, accounts.c.name.label("account_name"))
          .join(accounts, (accounts.c.book_id == voucher_lines.c.book_id)
                & (accounts.c.code == voucher_lines.c.account_code))
          .where(voucher_lines.c.voucher_id == any_(bindparam("ids", type_=_UUIDS)))
          .order_by(voucher_lines.c.voucher_id, voucher_lines.c.line_no))
_AUX_ITEMS = select(aux_items).where(aux_items.c.book_id == bindparam("book_id"),
                                     aux_items.c.id == any_(bindparam("ids", type_=_UUIDS)))


def load_lines(session, book_id, voucher_ids):
    """{voucher_id: [line views]} for the vouchers, with account names and aux items."""
    found = {str(vid): [] for vid in voucher_ids}
    if not voucher_ids:
        return found
    rows = session.execute(_LINES, {"ids": [str(vid) for vid in voucher_ids]}).all()
    aux = aux_by_id(session, book_id, {row.aux_key for row in rows if row.aux_key})
    for row in rows:
        found[str(row.voucher_id)].append(line_view(row, row.account_name, aux.get(row.aux_key)))
    return found


def aux_by_id(session, book_id, ids):
    if not ids:
        return {}
    rows = session.execute(_AUX_ITEMS, {"book_id": book_id, "ids": [str(i) for i in ids]}).all()
    return {str(row.id): AuxInfo(str(row.id), row.kind, row.code, row.name, row.enabled) for row in rows}


def voucher_views(session, book_id, rows, *, sequence=False):
    lines = load_lines(session, book_id, [row.id for row in rows])
    return [voucher_view(row, lines[str(row.id)], sequence=sequence) for row in rows]


def voucher_row(session, voucher_id):
    return session.execute(select(vouchers).where(vouchers.c.id == voucher_id)).first()
