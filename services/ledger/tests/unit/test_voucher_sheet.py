"""The voucher spreadsheet: export → import round trip, CSV encodings, Excel cells, and every kind of bad row."""
import csv
import io
import random
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from services.ledger.domain.voucher_sheet import (
    COLUMNS, parse_voucher_sheet, voucher_template_xlsx, write_vouchers_xlsx)

HEADER = ["日期", "凭证字", "凭证号", "附件数", "摘要", "科目编码", "借方金额", "贷方金额", "辅助核算", "数量", "单价"]


def xlsx(rows, header=HEADER, above=()):
    book = Workbook()
    sheet = book.active
    for row in (*above, header, *rows):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8", sep=","):
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows([header, *rows])  # quotes "5,000.00" as Excel does
    return out.getvalue().encode(encoding)


def codes(errors):
    return [(e["row"], e["field"], e["code"]) for e in errors]


VIEWS = [
    {"id": "v1", "date": "2026-01-15", "word": "记", "number": 1, "attachments": 2, "status": "posted",
     "lines": [
         {"line_no": 1, "summary": "收到货款", "account": "100201", "account_name": "银行存款-工商银行",
          "debit": "11300.00", "credit": None, "aux_item": None, "quantity": None, "unit_price": None},
         {"line_no": 2, "summary": "收到货款", "account": "1122", "account_name": "应收账款",
          "debit": None, "credit": "11300.00", "aux_item": {"kind": "customer", "code": "C001", "name": "甲公司"},
          "quantity": None, "unit_price": None}]},
    {"id": "v2", "date": "2026-01-31", "word": "转", "number": 7, "attachments": 0,
     "lines": [
         {"line_no": 1, "summary": "=SUM(A1:A9) 不是公式", "account": "1405", "account_name": "库存商品",
          "debit": "1234567890123456.78", "credit": None, "aux_item": None, "quantity": "12.3456",
          "unit_price": "0.5"},
         {"line_no": 2, "summary": "结转", "account": "2202", "account_name": "应付账款",
          "debit": None, "credit": "1234567890123456.78",
          "aux_item": {"kind": "supplier", "code": "S-01", "name": "乙公司"}, "quantity": None, "unit_price": None}]},
    {"id": "v3", "date": "2026-01-31", "word": "记", "number": 8, "attachments": 1,  # a 红字 reversal
     "lines": [
         {"line_no": 1, "summary": "冲销记-1号凭证", "account": "100201", "account_name": "银行存款-工商银行",
          "debit": "-0.01", "credit": None, "aux_item": None},
         {"line_no": 2, "summary": "冲销记-1号凭证", "account": "6001", "account_name": "主营业务收入",
          "debit": None, "credit": "-0.01", "aux_item": None}]},
]


def test_an_export_imports_back_as_the_same_vouchers():
    content = write_vouchers_xlsx(VIEWS, title="2026年01月凭证")
    vouchers, errors = parse_voucher_sheet("export.xlsx", content)
    assert errors == []
    assert [(v["date"], v["word"], v["number"], v["attachments"]) for v in vouchers] == [
        (v["date"], v["word"], v["number"], v["attachments"]) for v in VIEWS]
    for read, view in zip(vouchers, VIEWS):
        assert [(line["summary"], line["account"], line["debit"], line["credit"], line["aux"])
                for line in read["lines"]] == [
            (line["summary"], line["account"], line["debit"], line["credit"],
             {"kind": line["aux_item"]["kind"], "code": line["aux_item"]["code"]} if line["aux_item"] else None)
            for line in view["lines"]]
    assert vouchers[1]["lines"][0]["quantity"] == "12.3456" and vouchers[1]["lines"][0]["unit_price"] == "0.5"
    assert [v["row"] for v in vouchers] == [2, 4, 6]
    assert [line["row"] for line in vouchers[2]["lines"]] == [6, 7]


def test_the_export_has_formats_widths_a_frozen_header_and_no_formulas():
    book = load_workbook(io.BytesIO(write_vouchers_xlsx(VIEWS)))
    sheet = book["凭证"]
    header = [cell.value for cell in sheet[1]]
    assert header[:8] == ["日期", "凭证字", "凭证号", "附件数", "摘要", "科目编码", "科目名称", "借方金额"]
    assert sheet.freeze_panes == "A2"
    debit = header.index("借方金额") + 1
    assert sheet.cell(row=2, column=debit).number_format == "#,##0.00"
    assert sheet.cell(row=2, column=debit).value == 11300
    assert sheet.cell(row=2, column=1).value == datetime(2026, 1, 15)  # a real date cell
    assert sheet.column_dimensions["E"].width > 20
    assert sheet.cell(row=4, column=5).data_type == "s"  # "=SUM(...)" stays text
    assert sheet.cell(row=4, column=debit).value == "1234567890123456.78"  # too long for Excel: text, exact
    assert sheet.cell(row=2, column=header.index("科目名称") + 1).value == "银行存款-工商银行"


def test_the_template_has_an_example_that_imports_and_bilingual_notes():
    content = voucher_template_xlsx()
    vouchers, errors = parse_voucher_sheet("模板.xlsx", content)
    assert errors == [] and len(vouchers) == 2
    assert vouchers[0]["lines"][1]["aux"] == {"kind": "customer", "code": "C001"}
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["凭证", "说明"]
    notes = [[cell.value for cell in row] for row in book["说明"].iter_rows()]
    assert notes[0][:2] == ["列名", "Column"]
    assert {row[0] for row in notes[1:len(COLUMNS) + 1]} == {column.label for column in COLUMNS}
    assert any(row[1] and "balances" in str(row[1]) for row in notes)


def test_a_gbk_csv_as_chinese_excel_saves_it():
    rows = [["2026/1/5", "记", "3", "", "支付房租", "5602", "5,000.00", "0.00", "", "", ""],
            ["2026/1/5", "记", "3", "", "支付房租", "100201", "0", "5,000.00", "部门:D01", "", ""]]
    vouchers, errors = parse_voucher_sheet("凭证.csv", csv_bytes(rows, encoding="gbk"))
    assert errors == []
    assert vouchers == [{"row": 2, "date": "2026-01-05", "word": "记", "number": 3, "attachments": 0, "lines": [
        {"row": 2, "summary": "支付房租", "account": "5602", "debit": "5000.00", "credit": None, "aux": None,
         "quantity": None, "unit_price": None},
        {"row": 3, "summary": "支付房租", "account": "100201", "debit": None, "credit": "5000.00",
         "aux": {"kind": "department", "code": "D01"}, "quantity": None, "unit_price": None}]}]


def test_a_utf8_bom_csv_with_english_headers_and_tabs():
    header = ["Date", "Word", "Number", "Summary", "Account", "Debit", "Credit", "Auxiliary"]
    rows = [["2026-02-01", "付", "1", "报销差旅费", "560201", "¥1,234.50", "", "employee:E7"],
            ["2026-02-01", "付", "1", "报销差旅费", "1001", "", "1234.5元", ""]]
    content = b"\xef\xbb\xbf" + csv_bytes(rows, header, sep="\t")
    vouchers, errors = parse_voucher_sheet("upload.csv", content)
    assert errors == []
    assert [(l["account"], l["debit"], l["credit"], l["aux"]) for l in vouchers[0]["lines"]] == [
        ("560201", "1234.50", None, {"kind": "employee", "code": "E7"}), ("1001", None, "1234.50", None)]
    assert vouchers[0]["word"] == "付"


def test_utf8_without_bom_and_a_csv_named_otherwise():
    rows = [["2026-03-01", "记字", "", "", "提现", "1001", "100", "", "", "", ""],
            ["2026-03-01", "记字", "", "", "提现", "1002", "", "100", "", "", ""]]
    vouchers, errors = parse_voucher_sheet("upload.txt", csv_bytes(rows))
    assert errors == []
    assert (vouchers[0]["word"], vouchers[0]["number"]) == ("记", None)


def test_excel_date_cells_serial_numbers_and_float_amounts():
    rows = [[datetime(2026, 4, 30), "记", 5, 3, "计提工资", 5602, 12000.5, None, None, 2, 6000.25],
            [46142, "记", 5.0, None, "计提工资", 2211, None, 12000.5, None, None, None],
            [20260430, "记", 5, None, "计提工资", "221101", 0.1, None, None, None, None],
            [date(2026, 4, 30), "记", 5, None, "计提工资", 2211.0, None, 0.1, None, None, None]]
    vouchers, errors = parse_voucher_sheet("a.xlsx", xlsx(rows))
    assert errors == []
    assert len(vouchers) == 1  # 46142 is 2026-04-30 as an Excel serial; 5.0 is 5
    voucher = vouchers[0]
    assert (voucher["date"], voucher["number"], voucher["attachments"]) == ("2026-04-30", 5, 3)
    lines = voucher["lines"]
    assert [l["account"] for l in lines] == ["5602", "2211", "221101", "2211"]
    assert [l["debit"] or l["credit"] for l in lines] == ["12000.50", "12000.50", "0.10", "0.10"]
    assert (lines[0]["quantity"], lines[0]["unit_price"]) == ("2", "6000.25")


def test_a_title_row_above_and_an_english_row_under_the_header_are_skipped():
    rows = [["2026-01-02", "记", 1, None, "a", "1001", "1", None, None, None, None],
            ["2026-01-02", "记", 1, None, "b", "1002", None, "1", None, None, None]]
    english = ["date", "word", "number", "attachments", "summary", "account", "debit", "credit", "auxiliary",
               "quantity", "unit price"]
    content = xlsx([english, *rows], above=[["某某公司 2026年1月 凭证"], []])
    vouchers, errors = parse_voucher_sheet("a.xlsx", content)
    assert errors == []
    assert [l["row"] for l in vouchers[0]["lines"]] == [5, 6]


def test_an_unknown_layout_is_one_error_on_row_0():
    content = xlsx([["2026-01-01", "x", "1"]], header=["Datum", "Konto", "Betrag"])
    vouchers, errors = parse_voucher_sheet("a.xlsx", content)
    assert vouchers == [] and codes(errors) == [(0, None, "HEADER_NOT_FOUND")]
    assert "日期" in errors[0]["message"] and "date" in errors[0]["message_en"]


@pytest.mark.parametrize("filename, content, code", [
    ("a.xlsx", b"PK\x03\x04 this is not a zip", "FILE_UNREADABLE"),
    ("a.xlsx", b"just text", "FILE_UNREADABLE"),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "FILE_FORMAT"),
    ("a.csv", b"", "FILE_EMPTY"),
    ("a.csv", b"\x00\x01\x02binary\x00", "FILE_UNREADABLE"),
    ("a.csv", b"\x00\x01\x02\xff\xfe\x00binary", "FILE_ENCODING"),
    ("a.csv", "日期,科目编码,借方金额,贷方金额\r\n".encode(), "NO_ROWS"),
    ("a.csv", b"\x81\x30\x81", "FILE_ENCODING"),  # not UTF-8, and a cut-off GB18030 sequence
])
def test_an_unreadable_file_is_one_clear_error_never_an_exception(filename, content, code):
    vouchers, errors = parse_voucher_sheet(filename, content)
    assert vouchers == []
    assert codes(errors) == [(0, None, code)]
    assert errors[0]["message"] and errors[0]["message_en"]


def test_bad_rows_are_reported_with_row_field_and_code():
    rows = [
        ["2026-01-05", "记", 1, None, "三位小数", "5602", "100.123", None, None, None, None],   # 2
        ["2026-01-05", "记", 1, None, "两边都有", "1001", "100", "100", None, None, None],      # 3
        ["2026-01-05", "记", 1, None, "都没有", "1002", None, "0.00", None, None, None],        # 4
        ["2026-01-06", "记", 2, None, "文字金额", "5602", "一百元", None, None, None, None],    # 5
        ["2026-01-06", "记", 2, None, "", "1001", None, "100", None, None, None],              # 6
        ["2026-01-07", "记", 3, None, "不平", "5602", "100.00", None, None, None, None],       # 7
        ["2026-01-07", "记", 3, None, "不平", "1001", None, "99.99", None, None, None],        # 8
        ["2026-02-30", "记", 4, "两张", "坏日期", "56", "1", None, "老板:1", None, None],      # 9
        ["2026-02-30", "记", 4, None, "x" * 201, "1001", None, "1", None, "1.23456", None],   # 10
        ["2026-01-05", "记", 1, None, "凭证号重复", "1001", "5", None, None, None, None],      # 11
        ["2026-01-05", "记", 1, None, "凭证号重复", "1002", None, "5", None, None, None],      # 12
    ]
    vouchers, errors = parse_voucher_sheet("bad.xlsx", xlsx(rows))
    assert codes(errors) == [
        (2, "debit", "AMOUNT_INVALID"),
        (3, "debit", "AMOUNT_BOTH_SIDES"),
        (4, "debit", "AMOUNT_MISSING"),
        (5, "debit", "AMOUNT_INVALID"),
        # row 5 has no AMOUNT_MISSING and voucher 2 no VOUCHER_UNBALANCED: the unreadable amount is reported once
        (7, "debit", "VOUCHER_UNBALANCED"),
        (9, "date", "DATE_INVALID"),
        (9, "attachments", "NUMBER_INVALID"),
        (9, "account", "ACCOUNT_INVALID"),
        (9, "aux", "AUX_INVALID"),
        (10, "date", "DATE_INVALID"),
        (10, "summary", "SUMMARY_TOO_LONG"),
        (10, "quantity", "QUANTITY_INVALID"),
        (11, "number", "VOUCHER_SPLIT"),
    ]
    unbalanced = next(e for e in errors if e["code"] == "VOUCHER_UNBALANCED")
    assert "100.00" in unbalanced["message"] and "99.99" in unbalanced["message"] and "0.01" in unbalanced["message_en"]
    three = errors[0]
    assert three["message"].startswith("借方金额") and three["message_en"].startswith("debit")
    assert len(vouchers) == 5  # still grouped, for showing what was read
    assert vouchers[0]["lines"][0]["debit"] is None  # the unreadable amount is not guessed


def test_a_voucher_of_one_line_and_missing_required_cells():
    rows = [["2026-01-05", "记", 1, None, "只有一行", "5602", "100", None, None, None, None],
            [None, "记", 2, None, "没有日期", None, "1", None, None, None, None],
            [None, "记", 2, None, "没有日期", "1001", None, "1", None, None, None]]
    _, errors = parse_voucher_sheet("a.xlsx", xlsx(rows))
    assert codes(errors) == [(2, "account", "VOUCHER_TOO_FEW_LINES"), (2, "debit", "VOUCHER_UNBALANCED"),
                             (3, "date", "DATE_REQUIRED"), (3, "account", "ACCOUNT_REQUIRED"),
                             (4, "date", "DATE_REQUIRED")]


def test_negative_amounts_are_read_and_left_to_the_service():
    rows = [["2026-01-05", "记", 1, None, "红字", "6001", None, "-50.00", None, None, None],
            ["2026-01-05", "记", 1, None, "红字", "1122", "-50", None, "客户：C9", None, None]]
    vouchers, errors = parse_voucher_sheet("a.csv", csv_bytes(rows))
    assert errors == []
    assert [(l["debit"], l["credit"]) for l in vouchers[0]["lines"]] == [(None, "-50.00"), ("-50.00", None)]
    assert vouchers[0]["lines"][1]["aux"] == {"kind": "customer", "code": "C9"}


def test_an_excel_float_that_is_not_a_whole_cent_is_refused_not_rounded():
    rows = [["2026-01-05", "记", 1, None, "a", "5602", 100.125, None, None, None, None],
            ["2026-01-05", "记", 1, None, "b", "1001", None, 100.13, None, None, None]]
    _, errors = parse_voucher_sheet("a.xlsx", xlsx(rows))
    assert codes(errors) == [(2, "debit", "AMOUNT_INVALID")]


def test_max_rows_is_enforced():
    rows = [["2026-01-05", "记", 1, None, "a", "1001" if i % 2 else "1002", "1" if i % 2 else None,
             None if i % 2 else "1", None, None, None] for i in range(6)]
    for content, name in ((csv_bytes(rows), "a.csv"), (xlsx(rows), "a.xlsx")):
        vouchers, errors = parse_voucher_sheet(name, content, max_rows=6)
        assert errors == [] and len(vouchers[0]["lines"]) == 6
        vouchers, errors = parse_voucher_sheet(name, content, max_rows=5)
        assert vouchers == [] and codes(errors) == [(0, None, "TOO_MANY_ROWS")]
        assert "5" in errors[0]["message"] and "5" in errors[0]["message_en"]


def test_the_exact_header_wins_over_an_alias_and_unknown_columns_are_ignored():
    header = ["会计科目", "备注", "日期", "科目编码", "借方", "贷方", "摘要"]
    rows = [["1002 银行存款", "x", "2026-01-02", "100201", "10", None, "a"],
            ["1001 库存现金", "y", "2026-01-02", "1001", None, "10", "b"]]
    vouchers, errors = parse_voucher_sheet("a.xlsx", xlsx(rows, header=header))
    assert errors == []
    assert [l["account"] for l in vouchers[0]["lines"]] == ["100201", "1001"]
    assert vouchers[0]["word"] == "记" and vouchers[0]["number"] is None  # no word column: 记


def test_an_account_given_with_its_name_in_one_cell_reads_the_code():
    header = ["日期", "会计科目", "借方", "贷方"]
    rows = [["2026-01-02", "1002 银行存款", "10", None], ["2026-01-02", "1001库存现金", None, "10"]]
    vouchers, errors = parse_voucher_sheet("a.csv", csv_bytes(rows, header))
    assert errors == [] and [l["account"] for l in vouchers[0]["lines"]] == ["1002", "1001"]


def test_rows_after_a_long_empty_stretch_are_not_read():
    rows = [["2026-01-02", "记", 1, None, "a", "1001", "1", None, None, None, None],
            ["2026-01-02", "记", 1, None, "b", "1002", None, "1", None, None, None],
            *([[None] * 11] * 1000),
            ["2026-01-03", "记", 2, None, "far away", "1002", "x", None, None, None, None]]
    content = csv_bytes(rows)
    vouchers, errors = parse_voucher_sheet("a.csv", content)
    assert errors == [] and len(vouchers) == 1


def test_errors_are_capped_with_a_count_of_the_rest():
    rows = [["2026-01-02", "记", i, None, "bad", "1001", "1.001", None, None, None, None] for i in range(1, 601)]
    vouchers, errors = parse_voucher_sheet("a.csv", csv_bytes(rows))
    assert len(vouchers) == 600
    assert len(errors) == 501 and errors[-1]["code"] == "TOO_MANY_ERRORS"
    # 600 one-line vouchers, each with a bad amount and too few lines: 1200 errors, 500 listed
    assert "700" in errors[-1]["message"] and "700" in errors[-1]["message_en"]


def test_damaged_files_and_odd_cells_never_raise():
    rnd = random.Random(7)
    good = write_vouchers_xlsx(VIEWS)
    for _ in range(60):
        damaged = bytearray(good)
        for _ in range(rnd.randint(1, 12)):
            damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        vouchers, errors = parse_voucher_sheet("x.xlsx", bytes(damaged))
        assert isinstance(vouchers, list) and isinstance(errors, list)
    odd = [None, "", True, 1e308, float("inf"), -1, "=1+1", "1e5", "１２３．４５", "1,2,3", "-", ".5",
           time(1, 2), timedelta(days=3), "客户:", "：C1", "2026年1月2日", "2026-13-01", 10 ** 30]
    for _ in range(150):
        rows = [[rnd.choice(odd) for _ in range(11)] for _ in range(rnd.randint(1, 4))]
        for name, content in (("x.xlsx", xlsx(rows)), ("x.csv", csv_bytes(rows))):
            vouchers, errors = parse_voucher_sheet(name, content)
            assert errors, rows  # none of these rows is a valid voucher
