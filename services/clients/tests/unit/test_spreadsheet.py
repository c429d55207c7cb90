"""The Excel template, reading it back (row errors with row numbers), and the export."""
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from services.clients.domain import spreadsheet
from services.clients.domain.spreadsheet import COLUMNS, SpreadsheetError, build_export, build_template, read_rows
from services.clients.usecases.spreadsheets import check_rows

TODAY = date(2026, 11, 28)
HEADERS_NAMED_IN_THE_ISSUE = ["客户名称", "简称", "统一社会信用代码", "纳税人类型", "是否小型微利企业", "行业", "会计准则",
                              "注册地址", "经营地址", "城建税地区", "主管税务机关", "成立日期", "注册资本", "经营范围",
                              "法定代表人", "法定代表人身份证号", "联系人", "联系人手机", "联系人邮箱"]


def template_sheet():
    book = load_workbook(io.BytesIO(build_template()))
    return book, book[spreadsheet.DATA_SHEET]


def fill(rows, content=None):
    """The template (or `content`) with `rows` (lists in column order) from row 2."""
    book = load_workbook(io.BytesIO(content or build_template()))
    sheet = book[spreadsheet.DATA_SHEET]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(**overrides):
    values = {c.key: c.example for c in COLUMNS}
    values.update(overrides)
    return [values[c.key] for c in COLUMNS]


def test_the_template_has_the_chinese_headers_a_notes_sheet_and_text_code_columns():
    book, sheet = template_sheet()
    headers = [cell.value for cell in sheet[1]]
    assert [spreadsheet.header_key(h) for h in headers] == HEADERS_NAMED_IN_THE_ISSUE
    assert headers[3] == "纳税人类型（小规模纳税人/一般纳税人）*"
    code_column = [c.key for c in COLUMNS].index("credit_code") + 1
    assert sheet.cell(row=2, column=code_column).number_format == "@"
    notes = book[spreadsheet.NOTES_SHEET]
    assert notes.cell(row=1, column=1).value == "列名"
    assert any(cell.value == "91350100M000100Y43" for line in notes.iter_rows() for cell in line)
    assert sheet.data_validations.dataValidation  # dropdowns for the choice columns


def test_the_examples_of_the_template_import_cleanly():
    good, bad, total = check_rows(fill([row()]), 10, TODAY)
    assert (len(good), bad, total) == (1, [], 1)
    number, clean = good[0]
    assert number == 2
    assert clean["credit_code"] == "91350100M000100Y43"
    assert clean["taxpayer_type"] == "small_scale" and clean["small_low_profit"] is True
    assert clean["location_class"] == "urban" and clean["accounting_standard"] == "small_business_2013"
    assert clean["establishment_date"] == date(2020, 5, 18)
    assert clean["registered_capital"] == Decimal("1000000.00")
    assert clean["legal_representative"] == {"name": "张三", "id_number": "11010519491231002X"}
    assert clean["contacts"] == [{"name": "李四", "mobile": "13800138000", "email": "lisi@example.cn", "primary": True}]


def test_bad_rows_are_reported_with_their_row_number_and_fields():
    content = fill([
        row(),
        row(credit_code="91110000600037341L", taxpayer_type="大型纳税人"),  # row 3: unknown taxpayer type
        row(credit_code="91350100M000100Y44"),  # row 4: wrong check character
        row(credit_code="91440300708461136T", **{"contacts.0.mobile": "12345"}),  # row 5
        row(credit_code="91350100M000100Y43"),  # row 6: same code as row 2
        [None] * len(COLUMNS),  # an empty row is skipped, not an error
        row(credit_code="91110108551385082Q", establishment_date="去年",
            **{"legal_representative.id_number": "110105194912310021"}),  # row 8: two problems
    ])
    good, bad, total = check_rows(content, 10, TODAY)
    assert total == 6
    assert [number for number, _ in good] == [2]
    by_row = {report["row"]: report for report in bad}
    assert sorted(by_row) == [3, 4, 5, 6, 8]
    assert "taxpayer_type" in by_row[3]["fields"] and "纳税人类型" in by_row[3]["columns"]
    assert by_row[4]["codes"] == {"credit_code": "CREDIT_CODE_INVALID"}
    assert by_row[5]["codes"] == {"contacts.0.mobile": "INVALID_PHONE"} and by_row[5]["columns"] == ["联系人手机"]
    assert by_row[6]["codes"] == {"credit_code": "CREDIT_CODE_DUPLICATE"} and "第2行" in by_row[6]["fields"]["credit_code"][0]
    assert set(by_row[8]["fields"]) == {"establishment_date", "legal_representative.id_number"}


def test_excel_native_values_are_understood():
    content = fill([row(establishment_date=datetime(2019, 3, 1), registered_capital=500000,
                        small_low_profit="否", **{"contacts.0.mobile": 13900139000})])
    good, bad, _ = check_rows(content, 10, TODAY)
    assert bad == []
    clean = good[0][1]
    assert clean["establishment_date"] == date(2019, 3, 1)
    assert clean["registered_capital"] == Decimal("500000.00") and clean["small_low_profit"] is False
    assert clean["contacts"][0]["mobile"] == "13900139000"


def test_an_id_number_excel_rounded_to_a_float_is_refused_not_guessed():
    content = fill([row(**{"legal_representative.id_number": 1.10105194912310e17})])
    _, bad, _ = check_rows(content, 10, TODAY)
    assert "legal_representative.id_number" in bad[0]["fields"]
    assert "文本格式" in bad[0]["fields"]["legal_representative.id_number"][0]


def test_columns_are_found_by_header_in_any_order():
    book = Workbook()
    sheet = book.active
    sheet.append(["纳税人类型", " 统一社会信用代码 *", "客户名称（全称）", "不认识的列"])
    sheet.append(["一般纳税人", "91110000600037341L", "北京示例有限公司", "ignored"])
    out = io.BytesIO()
    book.save(out)
    good, bad, _ = check_rows(out.getvalue(), 10, TODAY)
    assert bad == [] and good[0][1]["taxpayer_type"] == "general" and good[0][1]["name"] == "北京示例有限公司"


def test_file_level_problems():
    with pytest.raises(SpreadsheetError) as err:
        read_rows(b"this is not a workbook", 10)
    assert "xlsx" in err.value.en
    book = Workbook()
    book.active.append(["客户名称", "简称"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(SpreadsheetError) as err:
        read_rows(out.getvalue(), 10)
    assert set(err.value.details["missing_columns"]) == {"统一社会信用代码", "纳税人类型"}
    with pytest.raises(SpreadsheetError) as err:
        read_rows(fill([row(), row(), row()]), 2)
    assert err.value.details == {"max_rows": 2}


def test_export_writes_labels_masked_values_and_no_formulas():
    content = build_export([{"name": "=HYPERLINK(\"http://x\")", "credit_code": "91350100M000100Y43",
                             "taxpayer_type": "general", "small_low_profit": True, "status": "paused",
                             "registered_capital": Decimal("10.50"), "establishment_date": date(2020, 1, 2),
                             "legal_representative.id_number": "1101**********002X", "accountant": "张会计"}])
    sheet = load_workbook(io.BytesIO(content))[spreadsheet.DATA_SHEET]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]]))
    assert values["客户名称"] == "=HYPERLINK(\"http://x\")" and sheet["A2"].data_type == "s"
    assert values["纳税人类型"] == "一般纳税人" and values["是否小型微利企业"] == "是" and values["状态"] == "暂停服务"
    assert values["法定代表人身份证号"] == "1101**********002X" and values["会计"] == "张会计"
    assert values["注册资本"] == "10.50" and values["成立日期"] == "2020-01-02"
