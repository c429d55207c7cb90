"""Vouchers from spreadsheets and back, over real RPC: .xlsx and .csv in, all or
nothing with every bad row reported; .xlsx out in the same layout (it imports again)."""
import base64
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from servicekit.errors import AppError

HEADER = ["日期", "凭证字", "凭证号", "附件数", "摘要", "科目编码", "借方金额", "贷方金额", "辅助核算"]


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(name, content):
    return {"filename": name, "content_type": "application/octet-stream",
            "content_base64": base64.b64encode(content).decode()}


def count(ledger_db, book_id):
    with ledger_db.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM vouchers WHERE book_id = :b"), {"b": book_id}).scalar()


@pytest.fixture
def book(rpc, agency_a, new_book):
    client, book = new_book(agency_a.admin)
    ctx = agency_a.admin.context()
    rpc.ledger("update_account", client["id"], "1122", {"auxiliary": ["customer"]}, context=ctx)
    rpc.ledger("add_aux_item", client["id"], {"kind": "customer", "code": "C001", "name": "示例客户"}, context=ctx)
    return {"client_id": client["id"], **book}


GOOD = [
    ["2026-01-15", "记", 1, 2, "收到货款", "1002", 11300, None, None],
    ["2026-01-15", "记", 1, 2, "收到货款", "1122", None, "11300.00", "客户:C001"],
    ["2026-01-20", "记", 2, 1, "购买办公用品", "5602", "350", None, None],
    ["2026-01-20", "记", 2, 1, "购买办公用品", "1001", None, 350, None],
]


def test_import_xlsx_and_export_it_again(rpc, agency_a, book, new_book, ledger_db):
    cid, ctx = book["client_id"], agency_a.admin.context()
    rpc.ledger("create_voucher", cid, {"date": "2026-01-02", "lines": [
        {"account": "1001", "debit": "1.00"}, {"account": "3001", "credit": "1.00"}]}, context=ctx)
    done = rpc.ledger("import_vouchers", cid, upload("凭证.xlsx", xlsx(GOOD)), context=ctx)
    assert done["count"] == 2
    # numbered on after the period's last number; the file's numbers are not kept
    assert [(v["number"], v["source"], v["total"], v["attachments"]) for v in done["items"]] == [
        (2, "import", "11300.00", 2), (3, "import", "350.00", 1)]
    first = rpc.ledger("get_voucher", cid, done["items"][0]["id"], context=ctx)
    assert first["lines"][1]["aux_item"]["code"] == "C001" and first["lines"][0]["debit"] == "11300.00"

    exported = rpc.ledger("export_vouchers", cid, {"period": "2026-01"}, context=ctx)
    assert exported["filename"].endswith(".xlsx")
    content = base64.b64decode(exported["content_base64"])
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:6] == ("日期", "凭证字", "凭证号", "附件数", "摘要", "科目编码") and len(rows) == 1 + 6

    # the export imports into another book as the same vouchers
    other_client, other = new_book(agency_a.admin)
    rpc.ledger("update_account", other_client["id"], "1122", {"auxiliary": ["customer"]}, context=ctx)
    rpc.ledger("add_aux_item", other_client["id"], {"kind": "customer", "code": "C001", "name": "示例客户"}, context=ctx)
    again = rpc.ledger("import_vouchers", other_client["id"], upload("export.xlsx", content), context=ctx)
    copied = rpc.ledger("list_vouchers", other_client["id"], {}, context=ctx)["items"]
    original = rpc.ledger("list_vouchers", cid, {}, context=ctx)["items"]
    assert again["count"] == 3
    strip = lambda v: [(l["account"], l["debit"], l["credit"], l["summary"], (l["aux_item"] or {}).get("code"))
                       for l in v["lines"]]
    assert [strip(v) for v in copied] == [strip(v) for v in original]


def test_import_csv(rpc, agency_a, book):
    cid, ctx = book["client_id"], agency_a.admin.context()
    csv_text = "日期,摘要,科目编码,借方金额,贷方金额\n2026-02-01,提现,1001,500.00,\n2026-02-01,提现,1002,,500.00\n"
    for encoding in ("utf-8", "gbk"):
        done = rpc.ledger("import_vouchers", cid, upload("v.csv", csv_text.encode(encoding)), context=ctx)
        assert done["count"] == 1 and done["items"][0]["period"] == "2026-02"


def test_a_bad_import_writes_nothing_and_lists_every_row(rpc, agency_a, book, ledger_db):
    cid, ctx = book["client_id"], agency_a.admin.context()
    before = count(ledger_db, book["id"])
    bad = GOOD + [
        ["2026-01-21", "记", 3, 0, "少了辅助核算", "1122", 10, None, None],
        ["2026-01-21", "记", 3, 0, "少了辅助核算", "5001", None, 10, None],
        ["2026-01-22", "记", 4, 0, "不存在的科目", "1009", 10, None, None],
        ["2026-01-22", "记", 4, 0, "不存在的科目", "5001", None, 10, None],
        ["2025-12-31", "记", 5, 0, "建账前", "1001", 10, None, None],
        ["2025-12-31", "记", 5, 0, "建账前", "5001", None, 10, None],
    ]
    with pytest.raises(AppError) as caught:
        rpc.ledger("import_vouchers", cid, upload("bad.xlsx", xlsx(bad)), context=ctx)
    error = caught.value
    assert (error.code, error.status) == ("IMPORT_INVALID", 400)
    assert [(r["row"], r["field"], r["code"]) for r in error.details["rows"]] == [
        (6, "aux", "AUX_ITEM_REQUIRED"), (8, "account", "ACCOUNT_UNKNOWN"), (10, "date", "DATE_BEFORE_BOOK_START")]
    assert all(r["message"] and r["message_en"] for r in error.details["rows"])
    assert count(ledger_db, book["id"]) == before

    # errors the reader finds (unbalanced, bad amounts) come back the same way
    unbalanced = [["2026-01-15", "记", 1, 0, "x", "1001", 10, None, None],
                  ["2026-01-15", "记", 1, 0, "x", "5001", None, "9.99", None],
                  ["2026-01-16", "记", 2, 0, "x", "1001", "1.234", None, None],
                  ["2026-01-16", "记", 2, 0, "x", "5001", None, "1.234", None]]
    with pytest.raises(AppError) as caught:
        rpc.ledger("import_vouchers", cid, upload("bad.xlsx", xlsx(unbalanced)), context=ctx)
    codes = {(r["row"], r["code"]) for r in caught.value.details["rows"]}
    assert (2, "VOUCHER_UNBALANCED") in codes and any(row in (4, 5) for row, _ in codes)
    assert count(ledger_db, book["id"]) == before

    for name, content, code in (("x.xlsx", b"PK\x03\x04 not really", "IMPORT_INVALID"),
                                ("x.xls", b"\xd0\xcf\x11\xe0old", "IMPORT_INVALID"),
                                ("x.csv", b"", "FILE_EMPTY")):
        with pytest.raises(AppError) as caught:
            rpc.ledger("import_vouchers", cid, upload(name, content), context=ctx)
        assert (caught.value.code, caught.value.status) == (code, 400)
    with pytest.raises(AppError) as caught:
        rpc.ledger("import_vouchers", cid, {"filename": "x.csv", "content_base64": "%%%"}, context=ctx)
    assert (caught.value.code, caught.value.status) == ("IMPORT_FILE_INVALID", 400)
    with pytest.raises(AppError) as caught:
        rpc.ledger("import_vouchers", cid, {"filename": "x.csv"}, context=ctx)
    assert caught.value.code == "VALIDATION_FAILED"
    assert count(ledger_db, book["id"]) == before


def test_the_import_template(rpc, agency_a):
    reply = rpc.ledger("voucher_import_template", context=agency_a.assistant.context())
    assert reply["filename"].endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(base64.b64decode(reply["content_base64"])))
    assert workbook.worksheets[0].cell(1, 1).value == "日期" and "说明" in workbook.sheetnames
