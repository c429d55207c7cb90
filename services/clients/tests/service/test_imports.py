"""Excel over RPC: the template, an all-or-nothing import, a large import, the export."""
import base64
import io
import time

import pytest
from openpyxl import load_workbook

from services.clients.domain.spreadsheet import COLUMNS, DATA_SHEET
from servicekit.errors import BadRequest, Forbidden

from .conftest import new_credit_code, new_id_number


def template(rpc, actor):
    reply = rpc.clients("import_template", context=actor.context())
    assert reply["filename"].endswith(".xlsx")
    assert reply["content_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return base64.b64decode(reply["content_base64"])


def filled(content, rows):
    book = load_workbook(io.BytesIO(content))
    sheet = book[DATA_SHEET]
    keys = [c.key for c in COLUMNS]
    for r, values in enumerate(rows, start=2):
        for key, value in values.items():
            sheet.cell(row=r, column=keys.index(key) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return {"filename": "客户.xlsx", "content_type": "application/octet-stream",
            "content_base64": base64.b64encode(out.getvalue()).decode()}


def row(name, **more):
    values = {"name": name, "credit_code": new_credit_code(), "taxpayer_type": "一般纳税人",
              "legal_representative.name": "钱法人", "legal_representative.id_number": new_id_number(),
              "contacts.0.name": "孙联系", "contacts.0.mobile": "13600136000", "location_class": "县城、镇"}
    values.update(more)
    return values


def names_in(rpc, actor, q):
    return {c["name"] for c in rpc.clients("list_clients", {"q": q, "page_size": 200}, context=actor.context())["items"]}


def test_import_all_rows_or_none(rpc, agency_a, event_tap):
    admin = agency_a.admin
    content = template(rpc, admin)
    tap = event_tap("client_created")
    existing = rpc.clients("create_client", {"name": "已有客户有限公司", "credit_code": new_credit_code(),
                                             "taxpayer_type": "general"}, context=admin.context())
    bad = filled(content, [row("导入甲有限公司"), row("导入乙有限公司", credit_code="91350100M000100Y44"),
                           row("导入丙有限公司", credit_code=existing["credit_code"]), row("导入丁有限公司")])
    with pytest.raises(BadRequest) as err:
        rpc.clients("import_clients", bad, context=admin.context())
    assert err.value.code == "IMPORT_FAILED" and err.value.status == 400
    rows = err.value.details["rows"]
    assert [(r["row"], list(r["codes"].values())) for r in rows] == [(3, ["CREDIT_CODE_INVALID"]),
                                                                      (4, ["CREDIT_CODE_TAKEN"])]
    assert err.value.details["total_rows"] == 4 and err.value.details["bad_rows"] == 2
    assert names_in(rpc, admin, "导入") == set()  # not even the good rows
    tap.drain(0.5)
    assert not [m for m in tap.messages if m["body"]["data"]["client"]["name"].startswith("导入")]

    good = filled(content, [row("导入甲有限公司"), row("导入乙有限公司", small_low_profit="是"), row("导入丁有限公司")])
    assert rpc.clients("import_clients", good, context=admin.context()) == {"imported": 3}
    assert names_in(rpc, admin, "导入") == {"导入甲有限公司", "导入乙有限公司", "导入丁有限公司"}
    tap.wait_for(lambda m: m["body"]["data"]["client"]["name"] == "导入丁有限公司")
    imported = [m["body"]["data"]["client"] for m in tap.messages if m["body"]["data"]["client"]["name"].startswith("导入")]
    assert len(imported) == 3 and {c["location_class"] for c in imported} == {"county_town"}
    one = rpc.clients("list_clients", {"q": "导入乙", "page_size": 1}, context=admin.context())["items"][0]
    detail = rpc.clients("get_client", one["id"], context=admin.context())
    assert detail["small_low_profit"] is True and detail["contacts"][0]["mobile"] == "13600136000"
    assert detail["legal_representative"]["id_number_masked"].count("*") == 10
    # the same file again: every row now collides with the clients it created
    with pytest.raises(BadRequest) as err:
        rpc.clients("import_clients", good, context=admin.context())
    assert {r["row"] for r in err.value.details["rows"]} == {2, 3, 4}


@pytest.mark.parametrize("upload,code", [
    ({"filename": "x.xlsx", "content_type": "x", "content_base64": base64.b64encode(b"not excel").decode()},
     "IMPORT_FILE_INVALID"),
    ({"filename": "old.xls", "content_type": "x", "content_base64": "AAAA"}, "IMPORT_FILE_INVALID"),
    ({"filename": "x.xlsx", "content_type": "x", "content_base64": "%%%"}, "IMPORT_FILE_INVALID"),
    ({"filename": "x.xlsx"}, "FILE_MISSING"),
    ("a string", "FILE_MISSING"),
])
def test_unreadable_uploads_are_400(rpc, agency_a, upload, code):
    with pytest.raises(BadRequest) as err:
        rpc.clients("import_clients", upload, context=agency_a.admin.context())
    assert err.value.code == code


def test_an_empty_file_is_refused_after_the_permission_check(rpc, agency_a):
    empty = {"filename": "x.xlsx", "content_type": "x", "content_base64": ""}
    with pytest.raises(Forbidden):  # a caller who may not import learns nothing about their file
        rpc.clients("import_clients", empty, context=agency_a.accountant.context())
    with pytest.raises(BadRequest) as err:
        rpc.clients("import_clients", empty, context=agency_a.admin.context())
    assert err.value.code == "FILE_EMPTY"


def test_an_empty_template_is_refused_and_staff_cannot_import(rpc, agency_a):
    content = template(rpc, agency_a.admin)
    with pytest.raises(BadRequest) as err:
        rpc.clients("import_clients", filled(content, []), context=agency_a.admin.context())
    assert err.value.code == "IMPORT_EMPTY"
    with pytest.raises(Forbidden):
        rpc.clients("import_clients", filled(content, [row("越权有限公司")]), context=agency_a.accountant.context())


def test_the_largest_import_fits_in_one_transaction_and_one_more_row_is_refused(rpc, people):
    admin = people.register_agency("延安大批量财税")
    count = 5000  # CLIENT_IMPORT_MAX_ROWS
    rows = [row(f"批量{i:04d}有限公司") for i in range(count + 1)]
    with pytest.raises(BadRequest) as err:
        rpc.clients("import_clients", filled(template(rpc, admin), rows), context=admin.context(), timeout=60)
    assert err.value.code == "IMPORT_TOO_LARGE" and err.value.details == {"max_rows": count}
    upload = filled(template(rpc, admin), rows[:count])
    started = time.perf_counter()
    assert rpc.clients("import_clients", upload, context=admin.context(), timeout=120) == {"imported": count}
    seconds = time.perf_counter() - started
    print(f"\n  imported {count} rows in {seconds:.1f} s ({count / seconds:.0f} rows/s)")
    assert rpc.clients("list_clients", {"page_size": 1}, context=admin.context())["total"] == count


def test_export_the_filtered_list_masked(rpc, agency_a, create):
    ctx = agency_a.admin.context()
    client = create(agency_a.admin, name="导出专用有限公司")
    rpc.clients("assign", client["id"], "accountant", {"user_id": agency_a.accountant.id}, context=ctx)
    secret = rpc.clients("reveal_legal_representative", client["id"], {}, context=ctx)["id_number"]
    reply = rpc.clients("export_clients", {"q": "导出专用"}, context=ctx)
    sheet = load_workbook(io.BytesIO(base64.b64decode(reply["content_base64"])))[DATA_SHEET]
    lines = [[c.value for c in line] for line in sheet.iter_rows()]
    header, values = lines[0], dict(zip(lines[0], lines[1]))
    assert len(lines) == 2 and "会计" in header
    assert values["客户名称"] == "导出专用有限公司" and values["会计"] == "张会计"
    assert values["纳税人类型"] == "小规模纳税人" and values["城建税地区"] == "市区"
    assert values["法定代表人身份证号"] == secret[:4] + "*" * 10 + secret[-4:]
    assert secret not in str(lines)
    with pytest.raises(Forbidden):
        rpc.clients("export_clients", {}, context=agency_a.accountant.context())
