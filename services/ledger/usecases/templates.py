"""常用凭证 (voucher templates): a named set of lines — account, side, optional fixed
amount — from which a draft voucher is made with the amounts of the day. `kind`
'accrual' (计提) templates are used by period end the same way."""
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from servicekit.errors import BadRequest, Conflict, NotFound
from servicekit.ids import new_id, valid_uuid
from servicekit.money import money_str

from ..domain.vouchers import check_aux, check_word, error
from ..repository.accounts import account_infos, aux_lookup
from ..tables import voucher_templates
from .access import book_for
from .views import iso
from .vouchers import create_one


def template_view(row):
    return {"id": row.id, "name": row.name, "kind": row.kind, "word": row.word, "lines": row.lines,
            "created_by": row.created_by, "created_at": iso(row.created_at)}


def list_templates(call, client_id, query=None):
    book = book_for(call, client_id)
    stmt = select(voucher_templates).where(voucher_templates.c.book_id == book.id).order_by(voucher_templates.c.name)
    if query and query.get("kind"):
        stmt = stmt.where(voucher_templates.c.kind == query["kind"])
    return {"items": [template_view(row) for row in call.session.execute(stmt)]}


def create_template(call, client_id, payload):
    book = book_for(call, client_id)
    check_word(payload["word"], tuple(book.voucher_words))
    lines = payload["lines"]
    accounts = account_infos(call.session, book.id, [line["account"] for line in lines])
    aux = aux_lookup(call.session, book.id, [line.get("aux_item") for line in lines])
    stored = []
    for number, line in enumerate(lines, start=1):
        account = accounts.get(line["account"])
        if account is None:
            raise error("ACCOUNT_UNKNOWN", f"第{number}行：科目 {line['account']} 不存在",
                        f"Line {number}: no account {line['account']}", line=number, account=line["account"])
        if not account.is_leaf:
            raise error("ACCOUNT_NOT_LEAF", f"第{number}行：科目 {account.code} 有下级科目，请使用末级科目",
                        f"Line {number}: account {account.code} has sub-accounts; use a leaf account",
                        line=number, account=account.code)
        # an account with a dimension needs its item here: a voucher made from the template cannot add one
        aux_key = check_aux(number, account, line.get("aux_item"), aux) or None
        if line.get("amount") is not None and line["amount"] <= 0:
            raise BadRequest(code="AMOUNT_INVALID", message=f"第{number}行：固定金额须大于零",
                             message_en=f"Line {number}: a fixed amount must be positive",
                             details={"line": number, "reason": "not_positive"})
        stored.append({"summary": line.get("summary") or "", "account": account.code, "side": line["side"],
                       "amount": money_str(line["amount"]) if line.get("amount") is not None else None,
                       "aux_item": aux_key})
    row = call.session.execute(pg_insert(voucher_templates).values(
        id=new_id(), book_id=book.id, agency_id=book.agency_id, name=payload["name"].strip(), kind=payload["kind"],
        word=payload["word"], lines=stored, created_by=call.auth.user_id, created_at=call.now)
        .on_conflict_do_nothing(index_elements=["book_id", "name"]).returning(voucher_templates)).first()
    if row is None:
        raise Conflict(code="TEMPLATE_EXISTS", message=f"已有名为“{payload['name']}”的常用凭证",
                       message_en=f"A template named {payload['name']!r} already exists",
                       details={"name": payload["name"]})
    return template_view(row)


def _template(call, book, template_id):
    tid = valid_uuid(template_id)
    row = call.session.execute(select(voucher_templates).where(
        voucher_templates.c.book_id == book.id, voucher_templates.c.id == tid)).first() if tid else None
    if row is None:
        raise NotFound(code="TEMPLATE_NOT_FOUND", message="常用凭证不存在", message_en="No such voucher template",
                       details={"template_id": str(template_id)})
    return row


def delete_template(call, client_id, template_id):
    book = book_for(call, client_id)
    row = _template(call, book, template_id)
    call.session.execute(delete(voucher_templates).where(voucher_templates.c.id == row.id))
    return {"id": str(row.id), "deleted": True}


def voucher_payload(template, day, amounts=None, attachments=0):
    """The voucher payload a template makes with `amounts` (one per line, None keeps the
    fixed amount); 400 AMOUNT_INVALID when a line has neither."""
    lines = template.lines
    amounts = list(amounts or [])
    if len(amounts) > len(lines):
        raise BadRequest(code="AMOUNT_INVALID", message=f"金额个数（{len(amounts)}）多于模板行数（{len(lines)}）",
                         message_en=f"{len(amounts)} amounts for a template of {len(lines)} lines",
                         details={"reason": "too_many_amounts"})
    amounts += [None] * (len(lines) - len(amounts))
    result = []
    for number, (line, amount) in enumerate(zip(lines, amounts), start=1):
        value = amount if amount is not None else line.get("amount")
        if value is None:
            raise BadRequest(code="AMOUNT_INVALID", message=f"第{number}行（{line['account']}）需要填写金额",
                             message_en=f"Line {number} ({line['account']}) needs an amount",
                             details={"line": number, "reason": "missing"})
        result.append({"summary": line.get("summary") or "", "account": line["account"],
                       line["side"]: Decimal(value) if isinstance(value, str) else value,
                       "aux_item": line.get("aux_item")})
    return {"date": day, "word": template.word, "attachments": attachments, "lines": result}


def voucher_from_template(call, client_id, template_id, payload):
    book = book_for(call, client_id)
    template = _template(call, book, template_id)
    voucher = voucher_payload(template, payload["date"], payload.get("amounts"), payload.get("attachments", 0))
    return create_one(call, book, voucher, source="template")
