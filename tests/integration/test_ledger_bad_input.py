"""Bad input to the ledger through the gateway: every refusal is a 4xx with a stable
code and a Chinese and an English message, never a 500, and nothing is written.
A voucher import with one bad row writes none of its vouchers."""
import pytest

from .conftest import assert_error, create_user
from .test_ledger_api import act, assign, enter, line, open_book, trial_rows, voucher, vouchers

DAY = "2026-01-15"
BIGGEST = "999999999999999999.99"  # the largest amount NUMERIC(20,2) holds


def refused(resp, status, codes):
    error = assert_error(resp, status)
    assert error["code"] in codes, error
    assert error["message"] and error["message_en"] and error["message"] != error["message_en"], error
    return error


@pytest.fixture
def book(agency_admin):
    path, _ = open_book(agency_admin)
    resp = agency_admin.post(path + "/accounts", {"parent_code": "1002", "name": "招商银行西安分行"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["code"] == "100201"
    return path


BAD_VOUCHERS = [
    ("unbalanced", voucher(DAY, line("1001", debit="100.00"), line("3001", credit="99.99")), 400,
     {"VOUCHER_UNBALANCED"}),
    ("one line", voucher(DAY, line("1001", debit="100.00")), 400, {"VOUCHER_TOO_FEW_LINES"}),
    ("no lines", voucher(DAY), 400, {"VOUCHER_TOO_FEW_LINES", "VALIDATION_FAILED"}),
    ("zero", voucher(DAY, line("1001", debit="0.00"), line("3001", credit="0.00")), 400, {"AMOUNT_INVALID"}),
    ("three decimals", voucher(DAY, line("1001", debit="100.005"), line("3001", credit="100.005")), 400,
     {"AMOUNT_INVALID", "VALIDATION_FAILED"}),
    ("both sides", voucher(DAY, line("1001", debit="100.00", credit="100.00"), line("3001", credit="100.00"),
                           line("1001", debit="100.00")), 400, {"AMOUNT_INVALID"}),
    ("neither side", voucher(DAY, line("1001"), line("3001", credit="100.00"), line("1001", debit="100.00")), 400,
     {"AMOUNT_INVALID"}),
    ("negative", voucher(DAY, line("1001", debit="-100.00"), line("3001", credit="-100.00")), 400,
     {"AMOUNT_INVALID"}),
    ("not a number", voucher(DAY, line("1001", debit="一百"), line("3001", credit="100.00")), 400,
     {"VALIDATION_FAILED", "AMOUNT_INVALID"}),
    ("a JSON number with three decimals", voucher(DAY, line("1001", debit=100.505), line("3001", credit=100.505)),
     400, {"VALIDATION_FAILED", "AMOUNT_INVALID"}),
    ("unknown account", voucher(DAY, line("9999", debit="100.00"), line("3001", credit="100.00")), 400,
     {"ACCOUNT_UNKNOWN"}),
    ("not a leaf", voucher(DAY, line("1002", debit="100.00"), line("3001", credit="100.00")), 400,
     {"ACCOUNT_NOT_LEAF"}),
    ("badly formed account", voucher(DAY, line("10x2", debit="100.00"), line("3001", credit="100.00")), 400,
     {"VALIDATION_FAILED", "ACCOUNT_UNKNOWN"}),
    ("unknown word", voucher(DAY, line("1001", debit="1.00"), line("3001", credit="1.00"), word="乙"), 400,
     {"VALIDATION_FAILED", "WORD_UNKNOWN"}),
    ("word not in the book", voucher(DAY, line("1001", debit="1.00"), line("3001", credit="1.00"), word="收"), 400,
     {"WORD_UNKNOWN"}),
    ("before the book", voucher("2025-12-31", line("1001", debit="1.00"), line("3001", credit="1.00")), 400,
     {"DATE_BEFORE_BOOK_START"}),
    ("no such date", voucher("2026-02-30", line("1001", debit="1.00"), line("3001", credit="1.00")), 400,
     {"VALIDATION_FAILED"}),
    ("unknown field", {**voucher(DAY, line("1001", debit="1.00"), line("3001", credit="1.00")), "status": "posted"},
     400, {"VALIDATION_FAILED"}),
    ("too large", voucher(DAY, line("1001", debit="1" * 30 + ".00"), line("3001", credit="1" * 30 + ".00")), 400,
     {"VALIDATION_FAILED", "AMOUNT_INVALID"}),
    ("a total past NUMERIC(20,2)", voucher(DAY, line("1001", debit=BIGGEST), line("100201", debit=BIGGEST),
                                         line("3001", credit=BIGGEST), line("2202", credit=BIGGEST)), 400,
     {"AMOUNT_OUT_OF_RANGE"}),
]


@pytest.mark.parametrize("body, status, codes", [case[1:] for case in BAD_VOUCHERS],
                         ids=[case[0] for case in BAD_VOUCHERS])
def test_a_bad_voucher_is_refused_and_nothing_is_written(platform, agency_admin, book, body, status, codes):
    refused(agency_admin.post(book + "/vouchers", body), status, codes)
    assert vouchers(agency_admin, book)["total"] == 0
    # the batch is all or nothing: one bad voucher among good ones writes none
    good = voucher(DAY, line("1001", debit="1.00"), line("3001", credit="1.00"))
    error = refused(agency_admin.post(book + "/vouchers/batch", {"vouchers": [good, body, good]}), status,
                    codes | {"BATCH_INVALID"})
    if error["code"] == "BATCH_INVALID":  # every bad voucher listed by its index
        assert [(e["index"], e["code"] in codes) for e in error["details"]["errors"]] == [(1, True)], error
    assert vouchers(agency_admin, book)["total"] == 0


def test_workflow_refusals(platform, agency_admin, book):
    accountant = create_user(agency_admin, ["accountant"], name="杨会计")
    assign(agency_admin, book, accountant)
    entered = enter(accountant, book, voucher(DAY, line("1001", debit="10.00"), line("100201", credit="10.00")))
    path = f"{book}/vouchers/{entered['id']}"
    refused(accountant.post(path + "/review", {}), 403, {"SELF_REVIEW_FORBIDDEN"})
    refused(accountant.post(path + "/post", {}), 409, {"VOUCHER_STATUS"})
    refused(accountant.post(path + "/unreview", {}), 409, {"VOUCHER_STATUS"})
    act(agency_admin, book, entered["id"], "review")
    refused(agency_admin.post(path + "/review", {}), 409, {"VOUCHER_STATUS"})
    act(accountant, book, entered["id"], "post")
    posted = accountant.get(path).json()
    refused(accountant.request("PUT", path, json_body={"version": posted["version"], "attachments": 1}), 409,
            {"VOUCHER_POSTED"})
    refused(accountant.delete(path), 409, {"VOUCHER_POSTED"})
    assert accountant.get(path).json() == posted
    refused(accountant.get(f"{book}/vouchers/00000000-0000-0000-0000-000000000000"), 404, {"VOUCHER_NOT_FOUND"})
    refused(accountant.get(f"{book}/vouchers/not-a-uuid"), 404, {"VOUCHER_NOT_FOUND"})
    # an account with postings keeps them
    refused(agency_admin.post(book + "/accounts", {"parent_code": "100201", "name": "活期"}), 409,
            {"ACCOUNT_HAS_POSTINGS", "ACCOUNT_HAS_BALANCE"})
    refused(agency_admin.post(book + "/books", {"standard": "enterprise", "start_period": "2026-01"}), 409,
            {"BOOK_EXISTS"})


def test_bad_queries_and_settings(platform, agency_admin, book):
    for url, params in [("/trial-balance", {}), ("/trial-balance", {"period": "2026-13"}),
                        ("/trial-balance", {"from": "2026-03", "to": "2026-01"}),
                        ("/trial-balance", {"period": "2026-01", "colour": "red"}),
                        ("/ledgers/detail", {"from": "2026-01", "to": "2026-02"}),
                        ("/vouchers", {"status": "lost"}), ("/vouchers", {"page": "zero"}),
                        ("/posted-entries", {"after_sequence": "-1"})]:
        refused(agency_admin.get(book + url, params=params), 400, {"VALIDATION_FAILED"})
    refused(agency_admin.patch(book + "/book", {"voucher_words": ["甲"]}), 400, {"VALIDATION_FAILED"})
    refused(agency_admin.post(book + "/accounts", {"parent_code": "8888", "name": "无"}), 404,
            {"ACCOUNT_NOT_FOUND"})
    # unbalanced opening balances may be saved while being entered, but nothing posts on them
    resp = agency_admin.request("PUT", book + "/opening-balances", json_body={"items": [
        {"account": "1001", "debit": "100.00"}, {"account": "3001", "credit": "90.00"}]})
    assert resp.status_code == 200 and resp.json()["check"] == {"debit": "100.00", "credit": "90.00",
                                                                 "balanced": False}, resp.text
    assert agency_admin.patch(book + "/book", {"allow_self_review": True}).status_code == 200
    entered = enter(agency_admin, book, voucher(DAY, line("1001", debit="5.00"), line("3001", credit="5.00")))
    act(agency_admin, book, entered["id"], "review")
    refused(agency_admin.post(f"{book}/vouchers/{entered['id']}/post", {}), 409, {"OPENING_UNBALANCED"})
    resp = agency_admin.request("PUT", book + "/opening-balances", json_body={"items": [
        {"account": "1001", "debit": "100.00"}, {"account": "3001", "credit": "100.00"}]})
    assert resp.status_code == 200 and resp.json()["check"]["balanced"] is True, resp.text
    assert act(agency_admin, book, entered["id"], "post")["status"] == "posted"
    _, rows = trial_rows(agency_admin, book, period="2026-01")
    assert (rows["1001"]["opening_debit"], rows["1001"]["closing_debit"]) == ("100.00", "105.00")
    refused(agency_admin.request("PUT", book + "/opening-balances", json_body={"items": []}), 409,
            {"OPENING_LOCKED"})
    refused(agency_admin.post("/api/v1/clients/00000000-0000-0000-0000-000000000000/books",
                              {"standard": "small_business_2013", "start_period": "2026-01"}), 404,
            {"CLIENT_NOT_FOUND"})


def test_a_closed_period_takes_no_vouchers(platform, agency_admin, book):
    check = agency_admin.get(book + "/periods/2026-01/close-check")
    assert check.status_code == 200, check.text
    resp = agency_admin.post(book + "/periods/2026-01/close", {})
    assert resp.status_code == 200, resp.text
    refused(agency_admin.post(book + "/vouchers", voucher(DAY, line("1001", debit="1.00"), line("3001", credit="1.00"))),
            409, {"PERIOD_CLOSED"})
    refused(agency_admin.post(book + "/periods/2026-01/close", {}), 409, {"PERIOD_CLOSED", "PERIOD_STATUS"})
    assert vouchers(agency_admin, book)["total"] == 0
    resp = agency_admin.post(book + "/periods/2026-01/reopen", {})
    assert resp.status_code == 200, resp.text
    enter(agency_admin, book, voucher(DAY, line("1001", debit="1.00"), line("3001", credit="1.00")))


CSV_HEADER = "日期,凭证字,凭证号,摘要,科目编码,借方金额,贷方金额\n"


def test_an_import_with_one_bad_row_writes_nothing(platform, agency_admin, book):
    good = ("2026-01-03,记,1,提现,1001,300.00,\n"
            "2026-01-03,记,1,提现,100201,,300.00\n"
            "2026-01-09,记,2,付房租,5602,2000.00,\n"
            "2026-01-09,记,2,付房租,100201,,2000.00\n")
    bad_row = "2026-01-12,记,3,不存在的科目,9999,50.00,\n2026-01-12,记,3,不存在的科目,1001,,50.00\n"
    upload = (CSV_HEADER + good + bad_row).encode("utf-8")
    resp = agency_admin.request("POST", book + "/vouchers/import", files={"file": ("凭证.csv", upload, "text/csv")})
    error = refused(resp, 400, {"IMPORT_INVALID"})
    assert [(r["row"], r["code"]) for r in error["details"]["rows"]] == [(6, "ACCOUNT_UNKNOWN")], error
    assert vouchers(agency_admin, book)["total"] == 0

    resp = agency_admin.request("POST", book + "/vouchers/import", files={"file": ("凭证.csv", (CSV_HEADER + good).encode(),
                                                                        "text/csv")})
    assert resp.status_code == 201, resp.text
    assert vouchers(agency_admin, book)["total"] == 2
    template = agency_admin.get("/api/v1/voucher-import-template")
    assert template.status_code == 200 and template.content[:2] == b"PK", template.text[:200]
    export = agency_admin.get(book + "/vouchers/export", params={"period": "2026-01"})
    assert export.status_code == 200 and export.content[:2] == b"PK", export.text[:200]
    assert "attachment" in export.headers["Content-Disposition"]


# -- hostile input (issue 9): each a 4xx naming what is wrong, never a 500 ---------------------------

def test_posting_past_what_a_balance_holds_is_refused(platform, agency_admin):
    path, _ = open_book(agency_admin, allow_self_review=True)
    first = enter(agency_admin, path, voucher(DAY, line("1001", debit=BIGGEST), line("3001", credit=BIGGEST)))
    act(agency_admin, path, first["id"], "review")
    assert act(agency_admin, path, first["id"], "post")["status"] == "posted"
    one_more = enter(agency_admin, path, voucher(DAY, line("1001", debit="0.01"), line("3001", credit="0.01")))
    act(agency_admin, path, one_more["id"], "review")
    error = refused(agency_admin.post(f"{path}/vouchers/{one_more['id']}/post", {}), 409, {"AMOUNT_OUT_OF_RANGE"})
    assert error["details"]["accounts"] == ["1001", "3001"], error
    assert agency_admin.get(f"{path}/vouchers/{one_more['id']}").json()["status"] == "reviewed"


def test_null_for_a_name_or_code_is_refused(platform, agency_admin, book):
    resp = agency_admin.request("PATCH", book + "/accounts/1001", json_body={"name": None})
    assert "name" in refused(resp, 400, {"VALIDATION_FAILED"})["details"]["fields"]
    resp = agency_admin.post(book + "/aux-items", {"kind": "customer", "code": "C01", "name": "西安甲公司"})
    assert resp.status_code == 201, resp.text
    item = resp.json()
    for field in ("code", "name"):
        resp = agency_admin.request("PATCH", f"{book}/aux-items/{item['id']}", json_body={field: None})
        assert field in refused(resp, 400, {"VALIDATION_FAILED"})["details"]["fields"]


@pytest.mark.parametrize("client_id", ["not-a-uuid", "00000000-0000-0000-0000-00000000000g", "1" * 300])
def test_a_malformed_client_id_in_the_path_is_not_found(platform, agency_admin, client_id):
    resp = agency_admin.post(f"/api/v1/clients/{client_id}/vouchers",
                             voucher(DAY, line("1001", debit="1.00"), line("3001", credit="1.00")))
    assert 400 <= resp.status_code < 500, resp.text
    refused(resp, resp.status_code, {"BOOK_NOT_FOUND", "CLIENT_NOT_FOUND", "NOT_FOUND", "VALIDATION_FAILED"})


def test_an_empty_upload_is_refused_after_the_permission_check(platform, agency_admin, book):
    client_id = book.rstrip("/").rsplit("/", 1)[1]
    owner = create_user(agency_admin, ["client"], name="冯老板", client_id=client_id)  # may read, not write
    empty = {"file": ("凭证.csv", b"", "text/csv")}
    refused(owner.request("POST", book + "/vouchers/import", files=empty), 403, {"FORBIDDEN", "PERMISSION_DENIED"})
    refused(agency_admin.request("POST", book + "/vouchers/import", files=empty), 400, {"FILE_EMPTY"})
