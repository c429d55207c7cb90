"""Vouchers as a spreadsheet (凭证导入/导出): .xlsx (openpyxl) or .csv, one row per voucher line.

Layout (the common one of Chinese bookkeeping software; columns are found by their header text,
Chinese or English, so their order may change and unknown columns are ignored):

    日期 date | 凭证字 word | 凭证号 number | 附件数 attachments | 摘要 summary | 科目编码 account |
    科目名称 (export only, ignored) | 借方金额 debit | 贷方金额 credit | 辅助核算 auxiliary ("客户:C001"
    or "customer:C001") | 辅助核算名称 (export only, ignored) | 数量 quantity | 单价 unit price

Consecutive rows with the same (date, word, number) are one voucher. Pure: no database; the service
checks accounts, words, periods and aux items against the book, and rejects the whole import when
`errors` is not empty (the vouchers are then only for showing what was read).

Errors are sorted by row (row 0: the file as a whole); after MAX_ERRORS one TOO_MANY_ERRORS entry
says how many more there were. Amounts come back as strings with 2 decimals ("1234.50"). A 0 on one
side is read as empty, because many programs export 0.00 in the unused column. Negative amounts are
returned as read; the service decides (only a 红字 reversal may carry them).
"""
import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from contracts.ledger.labels import AUX_KINDS

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTES_SHEET = "说明"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 18  # NUMERIC(20,2)
MAX_QUANTITY = Decimal(10) ** 16  # NUMERIC(20,4)
MAX_SUMMARY = 200
MAX_ATTACHMENTS = 9999
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits; longer amounts are written as text
HEADER_SCAN_ROWS = 20  # a title or note may sit above the header
MAX_BLANK_RUN = 1000  # this many empty rows in a row end the data
MAX_ERRORS = 500
DEFAULT_WORD = "记"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese header
    english: str
    aliases: tuple = ()  # other headers accepted on import
    required: bool = False  # the column must be present
    width: int = 12
    note: str = ""
    note_en: str = ""
    export_only: bool = False


COLUMNS = (
    Column("date", "日期", "date", ("凭证日期", "记账日期", "制单日期", "voucherdate"), True, 12,
           "2026-01-15，或 Excel 日期单元格", "2026-01-15, or an Excel date cell"),
    Column("word", "凭证字", "word", ("凭证类别", "凭证类型", "类别", "voucherword"), False, 8,
           "记/收/付/转，留空为“记”", "记, 收, 付 or 转; empty means 记"),
    Column("number", "凭证号", "number", ("凭证编号", "凭证号码", "vouchernumber", "no"), False, 8,
           "同一凭证的各行填相同的日期、凭证字、凭证号", "rows of one voucher share date, word and number"),
    Column("attachments", "附件数", "attachments", ("附单据数", "附件张数", "单据数"), False, 8,
           "整数，可留空", "a whole number, optional"),
    Column("summary", "摘要", "summary", ("description", "memo"), False, 28,
           f"最多{MAX_SUMMARY}字", f"at most {MAX_SUMMARY} characters"),
    Column("account", "科目编码", "account", ("科目代码", "科目编号", "会计科目", "科目", "accountcode"), True, 14,
           "末级科目编码，如 100201；请保持文本格式", "a leaf account code such as 100201; keep the column as text"),
    Column("account_name", "科目名称", "account name", ("accountname",), False, 20,
           "导出时填写，导入时忽略", "filled on export, ignored on import", True),
    Column("debit", "借方金额", "debit", ("借方", "借方本币", "debitamount"), True, 14,
           "元，最多两位小数；借贷只填一方", "yuan, at most 2 decimals; fill debit or credit, not both"),
    Column("credit", "贷方金额", "credit", ("贷方", "贷方本币", "creditamount"), True, 14,
           "元，最多两位小数", "yuan, at most 2 decimals"),
    Column("aux", "辅助核算", "auxiliary", ("辅助项", "核算项目", "aux"), False, 16,
           "类别:编码，如 客户:C001（客户/供应商/部门/项目/职员），可留空",
           "kind:code such as customer:C001 (customer, supplier, department, project, employee), optional"),
    Column("aux_name", "辅助核算名称", "auxiliary name", ("auxname",), False, 18,
           "导出时填写，导入时忽略", "filled on export, ignored on import", True),
    Column("quantity", "数量", "quantity", ("qty",), False, 10,
           "最多四位小数，可留空", "at most 4 decimals, optional"),
    Column("unit_price", "单价", "unit price", ("price", "unitprice"), False, 10,
           "最多四位小数，可留空", "at most 4 decimals, optional"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
_AUX_BY_NAME = {**{key: key for key in AUX_KINDS}, **{label: key for key, label in AUX_KINDS.items()}}


def header_key(text):
    """What a header cell names: NFKC, lower case, no "*", no note in brackets, no spaces or "_"."""
    value = unicodedata.normalize("NFKC", str(text if text is not None else "")).lower()
    value = re.sub(r"[(\[【].*?[)\]】]", "", value)
    return re.sub(r"[\s*_\-]", "", value)


_BY_HEADER = {}  # header text -> (key, rank): the column's own names win over its aliases
for _column in COLUMNS:
    for _name in (_column.label, _column.english, _column.key):
        _BY_HEADER.setdefault(header_key(_name), (_column.key, 0))
for _column in COLUMNS:
    for _name in _column.aliases:
        _BY_HEADER.setdefault(header_key(_name), (_column.key, 1))


class _RowError(ValueError):
    def __init__(self, code, message, message_en):
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en


def _error(row, field, code, message, message_en):
    return {"row": row, "field": field, "code": code, "message": message, "message_en": message_en}


# -- reading ------------------------------------------------------------------------------
def parse_voucher_sheet(filename, content: bytes, *, max_rows=50000):
    """(vouchers, errors) read from an .xlsx or .csv upload. Never raises on bad content."""
    rows = None
    try:
        rows = _rows_of(filename or "", content or b"")
        return _parse_rows(rows, max_rows)
    except _RowError as exc:
        return [], [_error(0, None, exc.code, exc.message, exc.message_en)]
    finally:
        if rows is not None and hasattr(rows, "close"):
            rows.close()  # closes the workbook when reading stopped early


def _rows_of(filename, content):
    """An iterator of (row number, values) for the file, or _RowError if it cannot be read."""
    name = filename.lower()
    if not content:
        raise _RowError("FILE_EMPTY", "文件为空", "the file is empty")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _RowError("FILE_FORMAT", "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 .csv 后上传",
                        "old .xls files are not supported; save as .xlsx or .csv in Excel and upload that")
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_rows(content)
    if name.endswith((".xlsx", ".xlsm")):
        raise _RowError("FILE_UNREADABLE", "文件不是有效的 .xlsx 工作簿", "the file is not a valid .xlsx workbook")
    return _csv_rows(content)


def _xlsx_rows(content):
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, xml and openpyxl errors all mean "not a workbook"
        raise _RowError("FILE_UNREADABLE", "无法读取文件，请上传 .xlsx 或 .csv 文件",
                        "cannot read the file: upload an .xlsx or .csv file") from exc
    sheets = [sheet for sheet in book.worksheets if sheet.title != NOTES_SHEET] or book.worksheets
    # the first sheet whose top rows hold a header; the rest of the workbook is ignored
    for sheet in sheets:
        try:
            head = list(sheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True))
        except Exception as exc:  # noqa: BLE001
            book.close()
            raise _RowError("FILE_UNREADABLE", "无法读取文件，请上传 .xlsx 或 .csv 文件",
                            "cannot read the file: upload an .xlsx or .csv file") from exc
        if any(_find_columns(values) for values in head):
            return _sheet_rows(book, sheet)
    book.close()
    raise _header_missing()


def _sheet_rows(book, sheet):
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, values
    except Exception as exc:  # noqa: BLE001 - a broken part of the zip found while streaming
        raise _RowError("FILE_UNREADABLE", "文件已损坏，无法读取", "the file is damaged and cannot be read") from exc
    finally:
        book.close()


def _csv_rows(content):
    text = _decode(content)
    if "\x00" in text:
        raise _RowError("FILE_UNREADABLE", "无法读取文件，请上传 .xlsx 或 .csv 文件",
                        "cannot read the file: upload an .xlsx or .csv file")
    # the separator the header line uses most (header names hold none of these)
    head = "\n".join(text[:8192].splitlines()[:HEADER_SCAN_ROWS])
    delimiter = max((",", "\t", ";"), key=head.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        try:
            for number, values in enumerate(reader, start=1):
                yield number, tuple(values)
        except csv.Error as exc:
            raise _RowError("FILE_UNREADABLE", f"CSV 格式错误（第{reader.line_num}行）",
                            f"malformed CSV (line {reader.line_num})") from exc
    return rows()


def _decode(content):
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GBK (GB18030,
    its superset), which is what Chinese Excel writes for "CSV"."""
    if content.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _RowError("FILE_ENCODING", "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV，或上传 .xlsx",
                    "unknown text encoding: save the CSV as UTF-8 or GBK, or upload an .xlsx")


def _header_missing():
    names = "、".join(COLUMN_BY_KEY[key].label for key in ("date", "account", "debit", "credit"))
    english = ", ".join(COLUMN_BY_KEY[key].english for key in ("date", "account", "debit", "credit"))
    return _RowError("HEADER_NOT_FOUND", f"找不到表头：需要列 {names}（请使用导入模板）",
                     f"no header row found: the columns {english} are required (use the template)")


def _find_columns(values):
    """{key: index} if the row is a header (has every required column), else None."""
    found = {}  # key -> (rank, index)
    for index, value in enumerate(values or ()):
        match = _BY_HEADER.get(header_key(value)) if not _blank(value) else None
        if match is not None and (match[0] not in found or match[1] < found[match[0]][0]):
            found[match[0]] = (match[1], index)
    if all(column.key in found for column in COLUMNS if column.required):
        return {key: index for key, (_, index) in found.items()}
    return None


def _is_header_like(values):
    """A second header row (the English names under the Chinese ones): every filled cell is a header name."""
    filled = [value for value in values if not _blank(value)]
    return bool(filled) and all(header_key(value) in _BY_HEADER for value in filled)


def _parse_rows(rows, max_rows):
    positions = None
    for number, values in rows:
        positions = _find_columns(values)
        if positions is not None:
            break
        if number >= HEADER_SCAN_ROWS:
            break
    if positions is None:
        raise _header_missing()
    positions = {key: index for key, index in positions.items() if not COLUMN_BY_KEY[key].export_only}

    errors, lines = [], []
    count = blanks = 0
    for number, values in rows:
        if values is None or all(_blank(value) for value in values):
            blanks += 1
            if blanks >= MAX_BLANK_RUN:
                break  # formatted but empty rows down to row 1048576: the data has ended
            continue
        blanks = 0
        if _is_header_like(values):
            continue
        count += 1
        if count > max_rows:
            raise _RowError("TOO_MANY_ROWS", f"一次最多导入{max_rows}行，请分批导入",
                            f"at most {max_rows} rows per import; split the file")
        lines.append(_read_line(number, values, positions, errors))
    if not lines:
        raise _RowError("NO_ROWS", "文件中没有凭证行", "the file has no voucher rows")
    vouchers = _group(lines, errors)
    order = list(COLUMN_BY_KEY)
    errors.sort(key=lambda e: (e["row"], order.index(e["field"]) if e["field"] in order else len(order)))
    if len(errors) > MAX_ERRORS:  # enough to fix the file; all of 50000 would only swamp the reply
        left = len(errors) - MAX_ERRORS
        errors = errors[:MAX_ERRORS] + [_error(0, None, "TOO_MANY_ERRORS", f"另有{left}处错误未列出",
                                               f"{left} more errors not listed")]
    return vouchers, errors


def _read_line(number, values, positions, errors):
    def cell(key):
        index = positions.get(key)
        if index is None or index >= len(values):
            return None
        value = values[index]
        return None if _blank(value) else value

    def read(key, convert, default=None):
        raw = cell(key)
        if raw is None:
            return default
        try:
            return convert(raw)
        except _RowError as exc:
            errors.append(_error(number, key, exc.code, f"{COLUMN_BY_KEY[key].label}：{exc.message}",
                                 f"{COLUMN_BY_KEY[key].english}: {exc.message_en}"))
            return _BAD

    date_value = read("date", _date)
    if cell("date") is None:
        errors.append(_error(number, "date", "DATE_REQUIRED", "日期：必填", "date: required"))
    line = {
        "row": number,
        "date": date_value,
        "word": read("word", _word, DEFAULT_WORD),
        "number": read("number", _whole(1, 10 ** 9)),
        "attachments": read("attachments", _whole(0, MAX_ATTACHMENTS)),
        "summary": read("summary", _summary, ""),
        "account": read("account", _account),
        "debit": read("debit", _amount),
        "credit": read("credit", _amount),
        "aux": read("aux", _aux),
        "quantity": read("quantity", _quantity),
        "unit_price": read("unit_price", _quantity),
    }
    # the read value, or the raw text if it could not be read, so a bad cell still groups with its neighbours
    line["key"] = tuple(_key_text(cell(key)) if line[key] is _BAD else str(line[key] or "")
                        for key in ("date", "word", "number"))
    if cell("account") is None:
        errors.append(_error(number, "account", "ACCOUNT_REQUIRED", "科目编码：必填", "account: required"))
    debit, credit = line["debit"], line["credit"]
    if debit is not _BAD and credit is not _BAD:
        if debit is None and credit is None:
            errors.append(_error(number, "debit", "AMOUNT_MISSING", "借方金额和贷方金额需填写其中一个",
                                 "fill in the debit or the credit amount"))
        elif debit is not None and credit is not None:
            errors.append(_error(number, "debit", "AMOUNT_BOTH_SIDES", "一行只能填写借方金额或贷方金额之一",
                                 "a line has either a debit or a credit amount, not both"))
    return line


_BAD = object()  # a cell that failed to read (its error is already recorded)


def _group(lines, errors):
    groups, seen = [], {}  # groups: (voucher, its read lines); seen: key -> first row
    for line in lines:
        key = line["key"]
        if not groups or key != groups[-1][1][-1]["key"]:
            if key in seen and key[2]:
                errors.append(_error(line["row"], "number", "VOUCHER_SPLIT",
                                     f"凭证号：{key[1]}-{key[2]}的分录不连续或凭证号重复（同一凭证见第{seen[key]}行）",
                                     f"number: the lines of voucher {key[1]}-{key[2]} are not together or the "
                                     f"number is used twice (see row {seen[key]})"))
            seen.setdefault(key, line["row"])
            groups.append(({"row": line["row"], "date": _ok(line["date"]), "word": _ok(line["word"]),
                            "number": _ok(line["number"]), "attachments": 0, "lines": []}, []))
        voucher, read = groups[-1]
        read.append(line)
        if voucher["attachments"] == 0 and isinstance(line["attachments"], int):
            voucher["attachments"] = line["attachments"]
        voucher["lines"].append({
            "row": line["row"], "summary": _ok(line["summary"]) or "", "account": _ok(line["account"]),
            "debit": _money_text(line["debit"]), "credit": _money_text(line["credit"]),
            "aux": _ok(line["aux"]), "quantity": _plain_text(line["quantity"]),
            "unit_price": _plain_text(line["unit_price"]),
        })
    for voucher, read in groups:
        _check_voucher(voucher, read, errors)
    return [voucher for voucher, _ in groups]


def _check_voucher(voucher, rows, errors):
    if len(rows) < 2:
        errors.append(_error(voucher["row"], "account", "VOUCHER_TOO_FEW_LINES", "凭证至少需要两行分录",
                             "a voucher needs at least two lines"))
    if any(row["debit"] is _BAD or row["credit"] is _BAD for row in rows):
        return  # an unreadable amount is already reported; a balance error on top would only confuse
    debit = sum((row["debit"] for row in rows if row["debit"] is not None), Decimal(0))
    credit = sum((row["credit"] for row in rows if row["credit"] is not None), Decimal(0))
    if debit != credit:
        errors.append(_error(voucher["row"], "debit", "VOUCHER_UNBALANCED",
                             f"借贷不平衡：借方合计 {debit:,.2f}，贷方合计 {credit:,.2f}，差额 {debit - credit:,.2f}",
                             f"debits ({debit:,.2f}) do not equal credits ({credit:,.2f}); "
                             f"difference {debit - credit:,.2f}"))


def _ok(value):
    return None if value is _BAD else value


def _money_text(value):
    return None if value is None or value is _BAD else str(value.quantize(CENT))


def _plain_text(value):
    if value is None or value is _BAD:
        return None
    return format(value.normalize(), "f")


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _key_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip().removesuffix("字")


def _text(raw):
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unicodedata.normalize("NFKC", str(raw)).strip()


# -- cell conversions (each raises _RowError with a short reason) -----------------------------
_DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EXCEL_EPOCH = date(1899, 12, 30)


def _date(raw):
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    bad = _RowError("DATE_INVALID", "日期格式应为 2026-01-15", "a date such as 2026-01-15")
    if isinstance(raw, bool):
        raise bad
    if isinstance(raw, (int, float)):
        if float(raw).is_integer() and 19000101 <= raw <= 99991231:  # 20260115 typed as a number
            return _date(str(int(raw)))
        if 1 <= raw < 2958466 and float(raw).is_integer():  # an Excel serial day in a cell without a date format
            return (_EXCEL_EPOCH + timedelta(days=int(raw))).isoformat()
        raise bad
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _DATE_RE.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise bad
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        raise bad from None


def _word(raw):
    text = _text(raw).removesuffix("字")
    if not text or len(text) > 4:
        raise _RowError("WORD_INVALID", "凭证字应为 记、收、付、转 等一个字", "a voucher word such as 记, 收, 付 or 转")
    return text


def _whole(low, high):
    def convert(raw):
        bad = _RowError("NUMBER_INVALID", f"应为 {low} 至 {high} 的整数", f"a whole number from {low} to {high}")
        if isinstance(raw, bool):
            raise bad
        if isinstance(raw, float):
            if not raw.is_integer():
                raise bad
            raw = int(raw)
        if isinstance(raw, int):
            value = raw
        else:
            text = _text(raw)
            if not re.fullmatch(r"\d{1,10}", text):
                raise bad
            value = int(text)
        if not low <= value <= high:
            raise bad
        return value
    return convert


def _summary(raw):
    text = _text(raw) if not isinstance(raw, (datetime, date)) else str(raw)
    text = re.sub(r"\s+", " ", text)
    if len(text) > MAX_SUMMARY:
        raise _RowError("SUMMARY_TOO_LONG", f"摘要最多{MAX_SUMMARY}字", f"at most {MAX_SUMMARY} characters")
    return text


def _account(raw):
    bad = _RowError("ACCOUNT_INVALID", "科目编码应为 4、6、8 或 10 位数字，如 100201",
                    "an account code of 4, 6, 8 or 10 digits such as 100201")
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise bad
    text = _text(raw)
    # "100201 银行存款-工商银行" or "100201" — the code is what counts
    match = re.match(r"(\d+)(?:\s|$|[^\d.])", text + " ")
    code = match.group(1) if match else ""
    if len(code) not in (4, 6, 8, 10):
        raise bad
    return code


def _number(raw, places, maximum, too_many, too_large):
    """Decimal from a cell: an int, an Excel float (through its shortest text, so 1234.5 stays 1234.5),
    or text such as "1,234.50", "¥1,234.50" or "1234.50元"."""
    bad = _RowError("AMOUNT_INVALID", "应为数字，如 1234.50", "a number such as 1234.50")
    if isinstance(raw, bool):
        raise bad
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise bad from None
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").replace(" ", "")
        text = text.removeprefix("¥").removeprefix("RMB").removesuffix("元")
        if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
            raise bad
        value = Decimal(text)
    else:
        raise bad
    if not value.is_finite():
        raise bad
    if abs(value) >= maximum:
        raise too_large
    # "1234.500" is fine, "1234.567" is not: trailing zeros do not count as decimals
    if value.as_tuple().exponent < -places and value.normalize().as_tuple().exponent < -places:
        raise too_many
    return value


def _amount(raw):
    value = _number(raw, 2, MAX_AMOUNT,
                    _RowError("AMOUNT_INVALID", "金额最多两位小数", "at most 2 decimals"),
                    _RowError("AMOUNT_INVALID", "金额过大", "the amount is too large"))
    value = value.quantize(CENT)
    return None if value == 0 else value  # 0.00 in the unused column means empty


def _quantity(raw):
    return _number(raw, 4, MAX_QUANTITY,
                   _RowError("QUANTITY_INVALID", "最多四位小数", "at most 4 decimals"),
                   _RowError("QUANTITY_INVALID", "数值过大", "the number is too large"))


def _aux(raw):
    text = _text(raw)
    match = re.fullmatch(r"([^:：]+)[:：]\s*(\S.*)", text)
    kind = _AUX_BY_NAME.get(match.group(1).strip().lower()) if match else None
    if kind is None:
        raise _RowError("AUX_INVALID", "辅助核算应写作 类别:编码，如 客户:C001（类别：" + "、".join(AUX_KINDS.values()) + "）",
                        "write kind:code such as customer:C001 (kinds: " + ", ".join(AUX_KINDS) + ")")
    code = match.group(2).strip()
    if len(code) > 40:
        raise _RowError("AUX_INVALID", "辅助核算编码过长", "the auxiliary code is too long")
    return {"kind": kind, "code": code}


# -- writing -----------------------------------------------------------------------------------
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_MONEY_FORMAT = "#,##0.00"
_QUANTITY_FORMAT = "#,##0.####"


def write_vouchers_xlsx(vouchers, *, title="凭证"):
    """An .xlsx of service voucher views in the import layout, so an export can be imported again."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(title))
    _start_sheet(sheet)
    for voucher in vouchers:
        for line in voucher.get("lines") or ():
            sheet.append(_line_cells(sheet, voucher, line))
    return _save(book)


def voucher_template_xlsx():
    """The import template: the header, one example voucher, and a 说明 sheet in Chinese and English."""
    example = {
        "date": "2026-01-15", "word": "记", "number": 1, "attachments": 2,
        "lines": [
            {"summary": "收到货款", "account": "100201", "account_name": "银行存款-工商银行",
             "debit": "11300.00", "credit": None, "aux_item": None},
            {"summary": "收到货款", "account": "1122", "account_name": "应收账款",
             "debit": None, "credit": "11300.00", "aux_item": {"kind": "customer", "code": "C001", "name": "示例客户"}},
        ],
    }
    example2 = {
        "date": "2026-01-20", "word": "记", "number": 2, "attachments": 1,
        "lines": [
            {"summary": "购买办公用品", "account": "5602", "account_name": "管理费用",
             "debit": "350.00", "credit": None, "quantity": "10", "unit_price": "35"},
            {"summary": "购买办公用品", "account": "1001", "account_name": "库存现金", "debit": None, "credit": "350.00"},
        ],
    }
    book = Workbook(write_only=True)
    sheet = book.create_sheet("凭证")
    _start_sheet(sheet)
    for voucher in (example, example2):
        for line in voucher["lines"]:
            sheet.append(_line_cells(sheet, voucher, line))

    notes = book.create_sheet(NOTES_SHEET)
    for letter, width in zip("ABCDE", (14, 16, 8, 50, 60)):
        notes.column_dimensions[letter].width = width
    notes.append([_bold(notes, text) for text in ("列名", "Column", "必填 Required", "说明", "Notes")])
    for column in COLUMNS:
        notes.append([column.label, column.english, "是 yes" if column.required else "否 no",
                      column.note, column.note_en])
    notes.append([])
    rules = (
        ("每行一条分录；同一张凭证的各行日期、凭证字、凭证号相同且相邻。",
         "One row per voucher line; the rows of one voucher share date, word and number and are next to each other."),
        ("每行只填借方金额或贷方金额之一（另一方留空或填 0），每张凭证借贷合计必须相等，至少两行。",
         "Each row has a debit or a credit (leave the other empty or 0); "
         "each voucher balances and has two rows or more."),
        ("科目须为账套中已有的末级科目；有辅助核算的科目须填写辅助核算。",
         "Accounts must be leaf accounts of the book; accounts with an auxiliary dimension need the auxiliary item."),
        ("任何一行有误则全部不导入，错误会列出行号和列名。支持 .xlsx 和 .csv（UTF-8 或 GBK）。",
         "If any row is wrong nothing is imported; errors list the row and column. .xlsx and .csv (UTF-8 or GBK)."),
        ("科目名称、辅助核算名称两列仅供阅读，导入时忽略。",
         "The account name and auxiliary name columns are for reading only and are ignored on import."),
    )
    notes.append([_bold(notes, "导入规则"), _bold(notes, "Rules")])
    for zh, en in rules:
        notes.append([zh, en])
    return _save(book)


def _sheet_title(title):
    text = re.sub(r"[\\/*?:\[\]]", "", str(title or "凭证"))[:31]
    return text or "凭证"


def _start_sheet(sheet):
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([_header_cell(sheet, column) for column in COLUMNS])


def _header_cell(sheet, column):
    cell = WriteOnlyCell(sheet, value=column.label)
    cell.font = Font(bold=True, color="9C0006" if column.required else "000000")
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center")
    return cell


def _bold(sheet, text):
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _line_cells(sheet, voucher, line):
    aux = line.get("aux_item") or line.get("aux")
    values = {
        "date": _date_value(voucher.get("date")),
        "word": voucher.get("word") or DEFAULT_WORD,
        "number": voucher.get("number"),
        "attachments": voucher.get("attachments") or 0,
        "summary": line.get("summary") or "",
        "account": line.get("account"),
        "account_name": line.get("account_name"),
        "debit": _decimal(line.get("debit")),
        "credit": _decimal(line.get("credit")),
        "aux": f"{AUX_KINDS.get(aux['kind'], aux['kind'])}:{aux['code']}" if aux else None,
        "aux_name": (aux or {}).get("name"),
        "quantity": _decimal(line.get("quantity")),
        "unit_price": _decimal(line.get("unit_price")),
    }
    cells = []
    for column in COLUMNS:
        value = values[column.key]
        if isinstance(value, Decimal) and len(value.as_tuple().digits) > EXCEL_DIGITS:
            value = str(value)  # Excel would round it; text keeps every digit and imports back the same
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text, never a formula, whatever a summary says
        if column.key in ("debit", "credit"):
            cell.number_format = _MONEY_FORMAT
        elif column.key in ("quantity", "unit_price"):
            cell.number_format = _QUANTITY_FORMAT
        elif column.key == "date":
            cell.number_format = "yyyy-mm-dd"
        elif column.key == "account":
            cell.number_format = "@"
        cells.append(cell)
    return cells


def _date_value(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def _decimal(value):
    if value is None or value == "":
        return None
    value = Decimal(str(value))
    return None if value == 0 else value


def _save(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = ["parse_voucher_sheet", "write_vouchers_xlsx", "voucher_template_xlsx", "COLUMNS", "CONTENT_TYPE",
           "header_key"]
