"""Excel: the import template, the all-or-nothing import, the export of a filtered list.

The import reads and checks every row before writing anything: cell formats,
the same schema and rules as POST /clients, credit codes repeated within the file
and codes the agency already has. One bad row and nothing is written: the reply
lists each bad row with its field errors. Otherwise all clients are created in one
transaction, each with its client_created event. Reading and checking thousands
of rows is CPU work, so it runs off the event loop (servicekit.green.offload)."""
import base64
import binascii

from marshmallow import ValidationError

from servicekit.errors import BadRequest
from servicekit.green import offload
from servicekit.visibility import scope_of

from contracts.clients import schemas
from .. import events
from ..domain import spreadsheet
from ..domain.rules import FieldErrors, clean_client
from ..metrics import CLIENTS_CREATED, IMPORTS
from ..repository import assignments as assignments_sql
from ..repository import clients as clients_sql
from ..repository import contacts as contacts_sql
from .clients import insert_clients, new_client


def file_reply(filename, content):
    return {"filename": filename, "content_type": spreadsheet.CONTENT_TYPE,
            "content_base64": base64.b64encode(content).decode()}


def import_template(call):
    return file_reply("客户导入模板.xlsx", offload(spreadsheet.build_template))


def _file_error(zh, en, code="IMPORT_FILE_INVALID", **details):
    return BadRequest(code=code, message=zh, message_en=en, details=details)


def decode_upload(upload):
    """The uploaded file's bytes (the caller's permission is already checked, so a
    caller who may not import learns nothing about their file)."""
    if not isinstance(upload, dict) or not isinstance(upload.get("content_base64"), str):
        raise _file_error("请上传文件", "upload a file", code="FILE_MISSING")
    name = str(upload.get("filename") or "")
    if name.lower().endswith((".xls", ".csv", ".et", ".numbers")):
        raise _file_error("请上传 .xlsx 文件（Excel 2007 及以后的格式），可另存为后重新上传",
                          "upload an .xlsx file (save the sheet as .xlsx first)", filename=name)
    try:
        content = base64.b64decode(upload["content_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _file_error("文件内容无效", "the file content is not valid base64") from exc
    if not content:
        raise _file_error("上传的文件是空的", "the uploaded file is empty", code="FILE_EMPTY")
    return content


def check_rows(content, max_rows, today):
    """Pure (runs in a worker thread): ([(row number, cleaned payload)], [bad row reports]).
    Raises spreadsheet.SpreadsheetError when the file as a whole is unusable."""
    rows = spreadsheet.read_rows(content, max_rows)
    good, bad, first_seen = [], [], {}
    schema = schemas.CreateClientSchema()
    for row in rows:
        errors = FieldErrors()
        for key, messages in row.errors.items():
            for message in messages:
                errors.add(tuple(key.split(".")), "CELL_INVALID", message)
        try:
            loaded, partial = schema.load(row.payload), False
        except ValidationError as exc:
            # a cell that could not be read is reported once, not again as "missing"
            errors.add_messages({key: value for key, value in exc.messages.items()
                                 if not any(cell == key or cell.startswith(f"{key}.") for cell in row.errors)})
            loaded, partial = exc.valid_data or {}, True  # still check the rest, to report everything
        clean = clean_client(loaded, today, partial=partial, errors=errors)
        code = clean.get("credit_code")
        if code and code in first_seen:
            errors.add("credit_code", "CREDIT_CODE_DUPLICATE", f"与第{first_seen[code]}行的统一社会信用代码重复",
                       f"the same credit code as row {first_seen[code]}")
        elif code:
            first_seen[code] = row.number
        if errors:
            bad.append(_report(row.number, errors))
        else:
            good.append((row.number, clean))
    return good, bad, len(rows)


def _report(number, errors):
    fields = _flatten_messages(errors.fields)
    labels = {column.key: column.label for column in spreadsheet.COLUMNS}
    columns = sorted({labels.get(path, labels.get(path.split(".")[0], path)) for path in fields})
    return {"row": number, "fields": fields, "columns": columns, "codes": dict(errors.codes)}


def _flatten_messages(tree, prefix=""):
    """{"contacts": {"0": {"mobile": [..]}}} -> {"contacts.0.mobile": [..]}: one level, easy to show."""
    flat = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten_messages(value, path + "."))
        else:
            flat[path] = list(value)
    return flat


def import_clients(call, upload):
    content = decode_upload(upload)
    try:
        good, bad, total = offload(check_rows, content, call.settings.import_max_rows, call.today)
    except spreadsheet.SpreadsheetError as exc:
        code = "IMPORT_TOO_LARGE" if "max_rows" in exc.details else "IMPORT_FILE_INVALID"
        raise _file_error(exc.zh, exc.en, code=code, **exc.details) from exc
    if not total:
        raise _file_error("文件中没有客户数据（从第2行起填写）", "the file holds no clients (fill in from row 2)",
                          code="IMPORT_EMPTY")
    taken = clients_sql.codes_used(call.session, call.auth.agency_id, [clean["credit_code"] for _, clean in good])
    for number, clean in good:
        if clean["credit_code"] in taken:
            errors = FieldErrors()
            errors.add("credit_code", "CREDIT_CODE_TAKEN", "本机构已有使用该统一社会信用代码的客户",
                       "a client with this credit code already exists")
            bad.append(_report(number, errors))
    if bad:
        IMPORTS.labels("refused").inc()
        bad.sort(key=lambda report: report["row"])
        raise BadRequest(code="IMPORT_FAILED", message=f"{len(bad)}行有误，未导入任何客户，请修改后重新上传",
                         message_en=f"{len(bad)} row(s) are invalid; nothing was imported",
                         details={"rows": bad, "bad_rows": len(bad), "total_rows": total})
    new = [new_client(call, clean) for _, clean in good]
    insert_clients(call, new)
    events.clients_created(call, new)
    IMPORTS.labels("imported").inc()
    CLIENTS_CREATED.labels("import").inc(len(new))
    return {"imported": len(new)}


def export_clients(call, query):
    limit = call.settings.export_max_rows
    rows = clients_sql.export_rows(call.session, scope_of(call.auth), query, limit)
    if len(rows) > limit:
        raise BadRequest(code="EXPORT_TOO_LARGE", message=f"一次最多导出{limit}个客户，请缩小筛选范围",
                         message_en=f"at most {limit} clients per export; narrow the filter", details={"limit": limit})
    ids = [r.id for r in rows]
    staff = assignments_sql.of_clients(call.session, ids)
    primary = contacts_sql.primary_of(call.session, ids)
    lines = [_export_line(row, staff[row.id], primary.get(row.id)) for row in rows]
    stamp = call.today.strftime("%Y%m%d")
    return file_reply(f"客户列表_{stamp}.xlsx", offload(spreadsheet.build_export, lines))


def _export_line(row, staff, contact):
    line = {key: getattr(row, key) for key in (
        "name", "short_name", "credit_code", "taxpayer_type", "small_low_profit", "industry", "accounting_standard",
        "registered_address", "office_address", "location_class", "tax_authority", "establishment_date",
        "registered_capital", "business_scope", "status", "created_at")}
    line["created_at"] = row.created_at.isoformat(timespec="seconds")
    line["legal_representative.name"] = row.legal_rep_name
    line["legal_representative.id_number"] = row.legal_rep_id_number_masked  # masked, never decrypted
    if contact is not None:
        line.update({"contacts.0.name": contact.name, "contacts.0.mobile": contact.mobile,
                     "contacts.0.email": contact.email})
    accountant = next((a for a in staff if a.role == "accountant"), None)
    line["accountant"] = accountant.user_name if accountant else None
    return line
