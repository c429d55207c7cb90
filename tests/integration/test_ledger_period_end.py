"""Period end through the gateway: 计提 from a template, 结转损益, the close checks,
结账 and 反结账 (who may), a batch close as a background job, and voucher templates."""
import time
from decimal import Decimal

from .conftest import assert_error, create_user
from .test_ledger_api import act, assign, enter, line, open_book, trial_rows, voucher, vouchers


def wait_for_job(api, job_id, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        job = api.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] == "done":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.3)


def test_accrue_carry_forward_close_and_reopen(platform, agency_admin):
    accountant = create_user(agency_admin, ["accountant"], name="朱会计")
    path, _ = open_book(agency_admin)
    assign(agency_admin, path, accountant)
    sale = enter(accountant, path, voucher("2026-01-10", line("1002", debit="5000.00", summary="销售收款"),
                                           line("5001", credit="5000.00", summary="销售收款")))
    fee = enter(accountant, path, voucher("2026-01-20", line("5603", debit="35.00", summary="银行手续费"),
                                          line("1002", credit="35.00", summary="银行手续费")))
    resp = accountant.post(path + "/periods/2026-01/accrue", {"template": "计提工资", "amounts": {"management": "1200.00"}})
    assert resp.status_code == 200, resp.text
    wages = resp.json()
    assert wages["status"] == "draft" and wages["source"] == "accrual" and wages["date"] == "2026-01-31"
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in wages["lines"]] == [
        ("5602", "1200.00", None), ("2211", None, "1200.00")]

    # nothing closes, nor is carried forward, while vouchers wait
    check = accountant.get(path + "/periods/2026-01/close-check").json()
    assert check["ok"] is False and any(not c["ok"] and c["message"] and c["message_en"] for c in check["checks"])
    failed = assert_error(accountant.post(path + "/periods/2026-01/close", {}), 409, "CLOSE_CHECK_FAILED")
    assert failed["details"]["checks"] and failed["message_en"]
    assert 400 <= accountant.post(path + "/periods/2026-01/carry-forward", {}).status_code < 500

    for v in (sale, fee, wages):
        act(agency_admin, path, v["id"], "review")
        act(accountant, path, v["id"], "post")
    resp = accountant.post(path + "/periods/2026-01/carry-forward", {})
    assert resp.status_code == 200, resp.text
    carried = resp.json()
    assert carried["carried"] is True and [v["status"] for v in carried["vouchers"]] == ["posted"]
    balance, rows = trial_rows(accountant, path, period="2026-01")
    assert balance["balanced"] is True
    for code in ("5001", "5602", "5603"):  # 损益 accounts end the month at zero
        assert Decimal(rows[code]["closing_debit"]) == Decimal(rows[code]["closing_credit"]) == 0, rows[code]
    # 本年利润 holds the month's profit: 5000.00 - 35.00 - 1200.00
    assert Decimal(rows["3103"]["closing_credit"]) - Decimal(rows["3103"]["closing_debit"]) == Decimal("3765.00")
    again = accountant.post(path + "/periods/2026-01/carry-forward", {}).json()
    assert again["carried"] is False and again["vouchers"] == []

    assert accountant.get(path + "/periods/2026-01/close-check").json()["ok"] is True
    resp = accountant.post(path + "/periods/2026-01/close", {})
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "closed" and resp.json()["next_period"] == "2026-02"
    periods = {p["period"]: p for p in accountant.get(path + "/periods").json()["items"]}
    assert periods["2026-01"]["status"] == "closed" and periods["2026-01"]["vouchers"]["posted"] == 4
    assert_error(accountant.post(path + "/vouchers", voucher("2026-01-31", line("1001", debit="1.00"),
                                                             line("1002", credit="1.00"))), 409, "PERIOD_CLOSED")
    assert_error(accountant.post(path + "/periods/2026-01/reopen", {}), 403, "FORBIDDEN")  # admins and supervisors
    resp = agency_admin.post(path + "/periods/2026-01/reopen", {})
    assert resp.status_code == 200, resp.text
    assert enter(accountant, path, voucher("2026-01-31", line("1001", debit="1.00"), line("1002", credit="1.00")))

    # who closed and reopened: the book's own record, and the agency's audit log (via events)
    me, admin_id = accountant.user["id"], agency_admin.user["id"]
    history = accountant.get(path + "/period-history").json()["items"]
    assert [(h["period"], h["action"], h["user_id"]) for h in history] == [
        ("2026-01", "closed", me), ("2026-01", "reopened", admin_id)]
    book_id = agency_admin.get(path + "/book").json()["id"]
    deadline = time.monotonic() + 15
    while True:
        audit = agency_admin.get("/api/v1/audit-log", params={"target_id": book_id}).json()["items"]
        if len(audit) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert sorted((e["action"], e["actor_id"]) for e in audit) == sorted([
        ("ledger.period_closed", me), ("ledger.period_reopened", admin_id)])
    assert agency_admin.get("/api/v1/audit-log/verify").json()["ok"] is True

    # the clients service's monthly board follows the ledger's events: 4 posted, reopened
    client_id = path.rsplit("/", 1)[1]
    deadline = time.monotonic() + 15
    while True:
        ledger = agency_admin.get(f"/api/v1/clients/{client_id}/board", params={"period": "2026-01"}).json()["ledger"]
        if ledger["vouchers_posted"] == 4 and ledger["status"] == "open" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert ledger == {"status": "open", "vouchers_posted": 4, "closed": False, "closed_at": None}


def test_batch_close_is_a_job_per_book(platform, agency_admin):
    empty_path, _ = open_book(agency_admin)
    busy_path, _ = open_book(agency_admin, allow_self_review=True)
    waiting = enter(agency_admin, busy_path, voucher("2026-01-05", line("1001", debit="9.00"), line("1002", credit="9.00")))
    clients = [empty_path.rsplit("/", 1)[1], busy_path.rsplit("/", 1)[1]]
    resp = agency_admin.post("/api/v1/batch-close", {"period": "2026-01", "client_ids": clients})
    assert resp.status_code == 202, resp.text
    job = wait_for_job(agency_admin, resp.json()["id"])
    assert (job["total"], job["done"], job["failed"]) == (2, 1, 1), job
    results = {item["client_id"]: item for item in job["items"]}
    assert results[clients[0]]["status"] == "done"
    assert results[clients[1]]["status"] == "failed"
    assert results[clients[1]]["result"]["code"] == "CLOSE_CHECK_FAILED"  # the waiting draft
    assert agency_admin.get(empty_path + "/periods").json()["items"][0]["status"] == "closed"
    assert agency_admin.get(busy_path + "/periods").json()["items"][0]["status"] == "open"
    assert vouchers(agency_admin, busy_path)["items"][0]["id"] == waiting["id"]
    accountant = create_user(agency_admin, ["accountant"], name="许会计")
    assert_error(accountant.post("/api/v1/batch-close", {"period": "2026-01"}), 403, "FORBIDDEN")


def test_a_voucher_from_a_template(platform, agency_admin):
    path, _ = open_book(agency_admin)
    resp = agency_admin.post(path + "/templates", {"name": "每月房租", "lines": [
        {"summary": "支付房租", "account": "5602", "side": "debit"},
        {"summary": "支付房租", "account": "1002", "side": "credit"}]})
    assert resp.status_code == 201, resp.text
    template = resp.json()
    assert [t["id"] for t in agency_admin.get(path + "/templates").json()["items"]] == [template["id"]]
    resp = agency_admin.post(f"{path}/templates/{template['id']}/voucher",
                             {"date": "2026-01-05", "amounts": ["3000.00", "3000.00"]})
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["status"] == "draft" and made["total"] == "3000.00" and made["source"] == "template"
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in made["lines"]] == [
        ("5602", "3000.00", None), ("1002", None, "3000.00")]
    assert_error(agency_admin.post(f"{path}/templates/{template['id']}/voucher",
                                   {"date": "2026-01-05", "amounts": ["3000.00", "2999.99"]}), 400,
                 "VOUCHER_UNBALANCED")
    assert agency_admin.delete(f"{path}/templates/{template['id']}").status_code == 204
    assert agency_admin.get(path + "/templates").json()["items"] == []
    assert_error(agency_admin.post(f"{path}/templates/{template['id']}/voucher", {"date": "2026-01-05"}), 404)
