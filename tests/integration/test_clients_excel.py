"""Excel through the gateway: download the template, fill it in with openpyxl,
import it (all or nothing), export the filtered list."""
import io
from urllib.parse import unquote

from openpyxl import load_workbook

from .conftest import assert_error, create_user
from .test_clients_api import listed, new_credit_code, new_id_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_template(api):
    resp = api.get("/api/v1/clients/import-template")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith(XLSX)
    assert "客户导入模板.xlsx" in unquote(resp.headers["Content-Disposition"])
    return resp.content


def fill(template, rows):
    """rows: dicts keyed by the header text without the notes."""
    book = load_workbook(io.BytesIO(template))
    sheet = book["客户"]
    headers = [cell.value for cell in sheet[1]]

    def column(label):
        return next(i for i, h in enumerate(headers, start=1) if h.replace("*", "").split("（")[0] == label)

    for r, values in enumerate(rows, start=2):
        for label, value in values.items():
            sheet.cell(row=r, column=column(label), value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(name, **more):
    values = {"客户名称": name, "统一社会信用代码": new_credit_code(), "纳税人类型": "小规模纳税人", "是否小型微利企业": "是",
              "城建税地区": "其他", "注册资本": "300000", "法定代表人": "杨法人", "法定代表人身份证号": new_id_number(),
              "联系人": "秦会计", "联系人手机": "13500135000", "成立日期": "2021-07-01"}
    values.update(more)
    return values


def upload(api, content, multipart=True):
    if multipart:
        return api.request("POST", "/api/v1/clients/import", files={"file": ("客户名单.xlsx", content, XLSX)})
    return api.request("POST", "/api/v1/clients/import", data=content,
                       headers={"Content-Type": XLSX, "X-Filename": "clients.xlsx"})


def test_template_fill_import_and_export(platform, agency_admin):
    template = download_template(agency_admin)
    content = fill(template, [row("汉中导入一有限公司"), row("汉中导入二有限公司", 纳税人类型="一般纳税人")])
    resp = upload(agency_admin, content)
    assert resp.status_code == 201, resp.text
    assert resp.json() == {"imported": 2}
    page = listed(agency_admin, q="汉中导入")
    assert {c["name"] for c in page["items"]} == {"汉中导入一有限公司", "汉中导入二有限公司"}
    general = next(c for c in page["items"] if c["name"] == "汉中导入二有限公司")
    assert general["taxpayer_type"] == "general" and general["location_class"] == "other"
    assert general["registered_capital"] == "300000.00" and general["small_low_profit"] is True

    # the raw body works too
    resp = upload(agency_admin, fill(template, [row("汉中导入三有限公司")]), multipart=False)
    assert resp.status_code == 201, resp.text

    resp = agency_admin.get("/api/v1/clients/export", params={"q": "汉中导入", "taxpayer_type": "small_scale"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith(XLSX)
    sheet = load_workbook(io.BytesIO(resp.content))["客户"]
    lines = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = lines[0]
    exported = [dict(zip(header, line)) for line in lines[1:]]
    assert {e["客户名称"] for e in exported} == {"汉中导入一有限公司", "汉中导入三有限公司"}
    assert all(e["纳税人类型"] == "小规模纳税人" and "*" in e["法定代表人身份证号"] for e in exported)

    accountant = create_user(agency_admin, ["accountant"], name="尤会计")
    assert_error(accountant.get("/api/v1/clients/export"), 403, "FORBIDDEN")
    assert_error(accountant.get("/api/v1/clients/import-template"), 403, "FORBIDDEN")
    assert_error(upload(accountant, content), 403, "FORBIDDEN")


def test_an_import_with_one_bad_row_writes_nothing(platform, agency_admin):
    before = listed(agency_admin)["total"]
    content = fill(download_template(agency_admin), [
        row("安康批次甲有限公司"), row("安康批次乙有限公司"),
        row("安康批次丙有限公司", 联系人手机="1350013500"),  # row 4: one digit short
        row("安康批次丁有限公司"),
    ])
    error = assert_error(upload(agency_admin, content), 400, "IMPORT_FAILED")
    assert error["details"]["rows"] == [{"row": 4, "fields": {"contacts.0.mobile": error["details"]["rows"][0]
                                                              ["fields"]["contacts.0.mobile"]},
                                         "columns": ["联系人手机"], "codes": {"contacts.0.mobile": "INVALID_PHONE"}}]
    assert error["details"]["total_rows"] == 4 and "1" in error["message"]
    assert listed(agency_admin)["total"] == before
    assert listed(agency_admin, q="安康批次")["total"] == 0


def test_files_that_are_not_a_filled_template_are_400(platform, agency_admin):
    assert_error(upload(agency_admin, b"name,credit_code\nx,y\n"), 400, "IMPORT_FILE_INVALID")
    empty = fill(download_template(agency_admin), [])
    assert_error(upload(agency_admin, empty), 400, "IMPORT_EMPTY")
    resp = agency_admin.request("POST", "/api/v1/clients/import", data=b"",
                                headers={"Content-Type": XLSX})
    assert_error(resp, 400, "FILE_EMPTY")
    # the permission comes first: a caller who may not import learns nothing about their file
    accountant = create_user(agency_admin, ["accountant"], name="冯会计")
    assert_error(accountant.request("POST", "/api/v1/clients/import", data=b"", headers={"Content-Type": XLSX}),
                 403, "FORBIDDEN")
