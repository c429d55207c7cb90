"""The client list as an Excel workbook (.xlsx, openpyxl): the import template, the
reading of a filled-in template into API payloads, and the export.

Columns are found by their header text, so their order may change; a header may
carry a "*" or a note in parentheses ("纳税人类型（小规模纳税人/一般纳税人）").
Row numbers are the sheet's own (the header is row 1), so a user can find the row.
Cells come back as the API's values: labels ("一般纳税人") become keys ("general"),
dates become ISO dates, amounts strings. Codes typed into number-formatted cells
that Excel has already rounded (18-digit ID numbers) are refused, not guessed.
"""
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from contracts.clients.labels import ACCOUNTING_STANDARDS, CLIENT_STATUSES, LOCATION_CLASSES, TAXPAYER_TYPES

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "客户"
NOTES_SHEET = "说明"
YES, NO = "是", "否"
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", "×"}


@dataclass(frozen=True)
class Column:
    key: str  # the API field, dotted for nested ones
    label: str
    kind: str = "text"  # text | code | enum | bool | date | money
    required: bool = False
    choices: dict = None  # enum: key -> label
    note: str = ""
    example: str = ""
    width: int = 16

    @property
    def header(self):
        hint = f"（{'/'.join(self.choices.values())}）" if self.choices else ""
        return f"{self.label}{hint}{'*' if self.required else ''}"


COLUMNS = (
    Column("name", "客户名称", required=True, note="营业执照上的全称，2至200字", example="西安示例科技有限公司", width=28),
    Column("short_name", "简称", example="示例科技"),
    Column("credit_code", "统一社会信用代码", "code", True, note="18位，按 GB 32100 校验；请保持文本格式",
           example="91350100M000100Y43", width=22),
    Column("taxpayer_type", "纳税人类型", "enum", True, TAXPAYER_TYPES, example="小规模纳税人", width=20),
    Column("small_low_profit", "是否小型微利企业", "bool", note="是/否，留空为否", example=YES),
    Column("industry", "行业", example="软件和信息技术服务业"),
    Column("accounting_standard", "会计准则", "enum", choices=ACCOUNTING_STANDARDS, note="留空为小企业会计准则",
           example="小企业会计准则", width=20),
    Column("registered_address", "注册地址", example="陕西省西安市雁塔区科技路1号", width=30),
    Column("office_address", "经营地址", example="陕西省西安市雁塔区科技路1号", width=30),
    Column("location_class", "城建税地区", "enum", choices=LOCATION_CLASSES, note="决定城市维护建设税税率",
           example="市区", width=20),
    Column("tax_authority", "主管税务机关", example="国家税务总局西安市雁塔区税务局", width=28),
    Column("establishment_date", "成立日期", "date", note="如 2020-05-18", example="2020-05-18"),
    Column("registered_capital", "注册资本", "money", note="元，最多两位小数", example="1000000.00"),
    Column("business_scope", "经营范围", note="最多2000字", example="软件开发；信息技术咨询服务", width=30),
    Column("legal_representative.name", "法定代表人", example="张三"),
    Column("legal_representative.id_number", "法定代表人身份证号", "code", note="18位，加密保存；请保持文本格式",
           example="11010519491231002X", width=22),
    Column("contacts.0.name", "联系人", example="李四"),
    Column("contacts.0.mobile", "联系人手机", "code", note="11位手机号", example="13800138000"),
    Column("contacts.0.email", "联系人邮箱", example="lisi@example.cn", width=22),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
EXPORT_EXTRA = (
    Column("status", "状态", "enum", choices=CLIENT_STATUSES),
    Column("accountant", "会计"),
    Column("created_at", "创建时间", width=22),
)


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (not an xlsx, no data sheet, headers missing)."""

    def __init__(self, zh, en, details=None):
        super().__init__(en)
        self.zh, self.en, self.details = zh, en, details or {}


@dataclass
class Row:
    number: int  # the sheet's row number
    payload: dict  # API fields
    errors: dict  # API field path -> [message]


def header_key(text):
    """The label a header names: NFKC, no "*", no note in parentheses, no spaces."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"\(.*?\)", "", value)
    return re.sub(r"[\s*]", "", value)


# -- the template --------------------------------------------------------------------
def build_template():
    """The import template: the data sheet with headers, dropdowns and text-formatted
    code columns, and a notes sheet with one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    _write_header(sheet, COLUMNS)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        if column.kind == "code":
            # text, so Excel keeps 18-digit numbers and leading zeros
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"
        choices = list(column.choices.values()) if column.choices else [YES, NO] if column.kind == "bool" else None
        if choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            validation.error = "请从下拉列表中选择"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}5001")
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(NOTES_SHEET)
    notes.append(["列名", "必填", "说明", "示例"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        hint = "可选值：" + "、".join(column.choices.values()) if column.choices else ""
        notes.append([column.header, "是" if column.required else "否", "；".join(p for p in (column.note, hint) if p),
                      column.example])
    notes.append([])
    notes.append(["导入规则", "", "在“客户”表第2行起每行一个客户；任何一行有误则全部不导入，并列出每个错误的行号和字段。"
                  "同一文件内或与已有客户重复的统一社会信用代码视为错误。最多5000行。", ""])
    notes.append(["示例行", "", "下面一行是填写示例（请在“客户”表中填写，不要在本表填写）", ""])
    notes.append([column.example for column in COLUMNS])
    for letter, width in zip("ABCD", (30, 8, 60, 30)):
        notes.column_dimensions[letter].width = width
    return _save(book)


def _write_header(sheet, columns):
    sheet.append([column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="9C0006" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width


def _save(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- reading an upload ----------------------------------------------------------------
def read_rows(content, max_rows):
    """[Row] for every non-empty data row, or SpreadsheetError for the file."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, xml, openpyxl errors: all "not a workbook"
        raise SpreadsheetError("无法读取文件，请上传用模板填写的 .xlsx 文件",
                               "cannot read the file: upload an .xlsx made from the template",
                               {"reason": type(exc).__name__}) from exc
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        positions = _locate_columns(header or ())
        out = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(_blank(v) for v in values):
                continue
            if len(out) >= max_rows:
                raise SpreadsheetError(f"一次最多导入{max_rows}行，请分批导入",
                                       f"at most {max_rows} rows per import; split the file",
                                       {"max_rows": max_rows})
            out.append(_read_row(number, values, positions))
        return out
    finally:
        book.close()


def _locate_columns(header):
    found = {}
    by_label = {c.label: c for c in COLUMNS}
    for index, text in enumerate(header):
        column = by_label.get(header_key(text))
        if column is not None and column.key not in found:
            found[column.key] = index
    missing = [c.label for c in COLUMNS if c.required and c.key not in found]
    if missing:
        raise SpreadsheetError("缺少必填列：" + "、".join(missing) + "（请使用导入模板）",
                               "required columns missing: " + ", ".join(missing) + " (use the template)",
                               {"missing_columns": missing})
    return found


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _read_row(number, values, positions):
    payload, errors = {}, {}
    for key, index in positions.items():
        column = COLUMN_BY_KEY[key]
        raw = values[index] if index < len(values) else None
        if _blank(raw):
            continue
        try:
            value = _convert(column, raw)
        except ValueError as exc:
            errors.setdefault(key, []).append(f"{column.label}：{exc}")
            continue
        _put(payload, key, value)
    if "contacts" in payload:
        payload["contacts"] = [payload["contacts"]["0"]]
    return Row(number, payload, errors)


def _put(payload, dotted, value):
    parts = dotted.split(".")
    node = payload
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _convert(column, raw):
    if column.kind == "code":
        return _code_text(raw)
    if column.kind == "enum":
        return _choice(column, raw)
    if column.kind == "bool":
        return _boolean(raw)
    if column.kind == "date":
        return _date(raw)
    if column.kind == "money":
        return _money(raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip() if not isinstance(raw, (datetime, date)) else raw.isoformat()


def _code_text(raw):
    if isinstance(raw, bool):
        raise ValueError("应为文本 / text expected")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 2 ** 53:
            return str(int(raw))
        raise ValueError("该单元格被 Excel 存成了数字，长号码已失真，请将该列设为文本格式后重新填写 / "
                         "Excel stored this as a number and rounded it; format the column as text and retype it")
    return str(raw).strip()


def _choice(column, raw):
    value = unicodedata.normalize("NFKC", str(raw)).strip()
    for key, label in column.choices.items():
        if value in (key, unicodedata.normalize("NFKC", label)):
            return key
    raise ValueError("应为以下之一：" + "、".join(column.choices.values()) +
                     " / one of: " + ", ".join(column.choices))


def _boolean(raw):
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if isinstance(raw, (int, float)):
        value = str(int(raw)) if float(raw).is_integer() else value
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("请填写“是”或“否” / answer 是 or 否")


def _date(raw):
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            pass
    raise ValueError("日期格式应为 2020-05-18 / a date such as 2020-05-18")


def _money(raw):
    if isinstance(raw, bool):
        raise ValueError("应为金额 / an amount expected")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        try:
            value = Decimal(repr(raw))
        except InvalidOperation as exc:  # pragma: no cover - repr of a float is always a number
            raise ValueError("应为金额 / an amount expected") from exc
        if value != value.quantize(Decimal("0.01")):
            raise ValueError("金额最多两位小数 / at most 2 decimals")
        return str(value.quantize(Decimal("0.01")))
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").removesuffix("元").strip()
    return text  # the schema's Money field checks it


# -- export -------------------------------------------------------------------------
def build_export(rows):
    """rows: dicts with the COLUMNS keys (nested ones dotted) and EXPORT_EXTRA keys,
    sensitive values already masked."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(DATA_SHEET)
    columns = COLUMNS + EXPORT_EXTRA
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([column.label for column in columns])
    for row in rows:
        sheet.append([_literal(sheet, _export_value(column, row.get(column.key))) for column in columns])
    return _save(book)


def _literal(sheet, value):
    """Text that starts with "=" stays text: openpyxl would otherwise write a formula
    (a client named "=HYPERLINK(...)" must not become one in someone's Excel)."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _export_value(column, value):
    if value is None:
        return None
    if column.kind == "enum":
        return column.choices.get(value, value)
    if column.kind == "bool":
        return YES if value else NO
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
