"""Vouchers in and out of spreadsheets (凭证导入/导出): .xlsx or .csv in, .xlsx out, in
the layout of domain/voucher_sheet.py (so an export imports again).

The import is all or nothing: the file is read and every voucher checked against the
book (accounts, aux items, words, open periods) before anything is written; one bad
row and the reply is 400 IMPORT_INVALID with every problem in `details.rows`
({row, field, code, message, message_en}). The numbers in the file are not kept:
imported vouchers are numbered on after the period's last number. Reading a big file
is CPU work, so it runs off the event loop (servicekit.green.offload)."""
import base64
import binascii
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from servicekit.errors import AppError, BadRequest, PayloadTooLarge
from servicekit.green import offload
from servicekit.money import parse_money

from ..domain.voucher_sheet import CONTENT_TYPE, parse_voucher_sheet, voucher_template_xlsx, write_vouchers_xlsx
from ..tables import vouchers
from .access import book_for
from .vouchers import create_many, filtered
from .views import voucher_views

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# which spreadsheet column a rule's error points at
FIELD_OF_CODE = {"WORD_UNKNOWN": "word", "DATE_BEFORE_BOOK_START": "date", "PERIOD_CLOSED": "date",
                 "DATE_OUT_OF_RANGE": "date", "ACCOUNT_UNKNOWN": "account", "ACCOUNT_NOT_LEAF": "account",
                 "ACCOUNT_DISABLED": "account", "AUX_ITEM_REQUIRED": "aux", "AUX_ITEM_NOT_ALLOWED": "aux",
                 "AMOUNT_INVALID": "debit", "VOUCHER_UNBALANCED": "debit", "VOUCHER_TOO_FEW_LINES": "account"}


def file_reply(filename, content):
    return {"filename": filename, "content_type": CONTENT_TYPE, "content_base64": base64.b64encode(content).decode()}


def voucher_import_template(call):
    return file_reply("凭证导入模板.xlsx", offload(voucher_template_xlsx))


def import_invalid(rows):
    first = rows[0]
    return BadRequest(code="IMPORT_INVALID",
                      message=f"导入文件有{len(rows)}处错误，全部未导入；第{first['row']}行：{first['message']}",
                      message_en=f"The file has {len(rows)} problem(s) and nothing was imported; "
                                 f"row {first['row']}: {first['message_en']}",
                      details={"rows": rows[:1000], "count": len(rows)})


def decode_upload(upload):
    try:
        content = base64.b64decode(upload["content_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(code="IMPORT_FILE_INVALID", message="文件内容无效（不是 base64）",
                         message_en="The file content is not valid base64") from exc
    if not content:
        raise BadRequest(code="FILE_EMPTY", message="上传的文件是空的", message_en="The uploaded file is empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(message=f"文件过大（最大 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）",
                              message_en=f"The file is too large (at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB)")
    return content


def _amount(text):
    return None if text in (None, "") else parse_money(text, allow_negative=True)


def _quantity(text):
    return None if text in (None, "") else Decimal(str(text))


def to_payload(voucher):
    """A parsed spreadsheet voucher as a create payload (aux items by kind and code)."""
    day = voucher["date"]
    return {"date": date.fromisoformat(day) if isinstance(day, str) else day, "word": voucher.get("word") or "记",
            "attachments": voucher.get("attachments") or 0,
            "lines": [{"summary": line.get("summary") or "", "account": line.get("account"),
                       "debit": _amount(line.get("debit")), "credit": _amount(line.get("credit")),
                       "aux_item": line.get("aux"), "quantity": _quantity(line.get("quantity")),
                       "unit_price": _quantity(line.get("unit_price"))} for line in voucher["lines"]]}


def row_errors(parsed, exc):
    """The batch's errors ({index, code, …}) as spreadsheet rows."""
    rows = []
    for item in exc.details.get("errors", []):
        voucher = parsed[item["index"]]
        line = (item.get("details") or {}).get("line")
        row = voucher["lines"][line - 1]["row"] if line and line <= len(voucher["lines"]) else voucher["row"]
        rows.append({"row": row, "field": FIELD_OF_CODE.get(item["code"]), "code": item["code"],
                     "message": item["message"], "message_en": item["message_en"]})
    return rows


def import_vouchers(call, client_id, upload):
    book = book_for(call, client_id)
    content = decode_upload(upload)
    parsed, errors = offload(parse_voucher_sheet, upload["filename"], content,
                             max_rows=call.settings.import_max_rows)
    if errors:
        raise import_invalid(errors)
    try:
        views = create_many(call, book, [to_payload(voucher) for voucher in parsed], source="import")
    except AppError as exc:
        if exc.code != "BATCH_INVALID":
            raise
        raise import_invalid(row_errors(parsed, exc)) from exc
    return {"items": views, "count": len(views)}


def export_vouchers(call, client_id, query):
    book = book_for(call, client_id)
    rows = call.session.execute(select(vouchers).where(*filtered(book, query))
                                .order_by(vouchers.c.period, vouchers.c.word, vouchers.c.number)
                                .limit(query["page_size"])).all()
    views = voucher_views(call.session, book.id, rows)
    period = str(query.get("period") or "") or f"{query.get('from_') or book.start_period}"
    content = offload(write_vouchers_xlsx, views, title=f"凭证{period}")
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", book.name)[:80]
    return file_reply(f"凭证-{name}-{period}.xlsx", content)
