"""Contracts, service records, feedback and the monthly board through the gateway."""
import uuid
from datetime import date, timedelta

from .conftest import assert_error, create_user
from .test_clients_api import create_client


def test_contract_lifecycle_and_the_expiring_list(platform, agency_admin):
    client = create_client(agency_admin)
    today = date.today()
    body = {"number": f"HT-{uuid.uuid4().hex[:6]}", "start_date": (today - timedelta(days=340)).isoformat(),
            "end_date": (today + timedelta(days=20)).isoformat(), "services": ["bookkeeping", "tax_filing"],
            "fee": "450.00", "billing_cycle": "monthly"}
    resp = agency_admin.post(f"/api/v1/clients/{client['id']}/contracts", body)
    assert resp.status_code == 201, resp.text
    contract = resp.json()
    path = f"/api/v1/contracts/{contract['id']}"
    assert contract["status"] == "draft"
    assert contract["id"] not in {c["id"] for c in agency_admin.get("/api/v1/contracts/expiring").json()["items"]}
    assert agency_admin.post(path + "/activate").json()["status"] == "active"
    assert_error(agency_admin.patch(path, {"fee": "1.00"}), 409, "CONTRACT_TRANSITION_INVALID")
    amended = agency_admin.post(path + "/amend", {"fee": "520.00", "services": ["bookkeeping", "tax_filing", "payroll"],
                                                 "note": "增加代发工资"})
    assert amended.status_code == 200, amended.text
    assert amended.json()["status"] == "amended" and amended.json()["revision"] == 2

    expiring = agency_admin.get("/api/v1/contracts/expiring", params={"days": 30}).json()
    mine = [c for c in expiring["items"] if c["id"] == contract["id"]]
    assert mine and mine[0]["days_left"] == 20 and mine[0]["fee"] == "520.00"
    assert contract["id"] not in {c["id"] for c in agency_admin.get("/api/v1/contracts/expiring",
                                                                    params={"days": 10}).json()["items"]}
    unassigned = create_user(agency_admin, ["accountant"], name="蒋会计")
    assert contract["id"] not in {c["id"] for c in unassigned.get("/api/v1/contracts/expiring").json()["items"]}
    assert_error(unassigned.get(path), 404, "CONTRACT_NOT_FOUND")

    assert_error(agency_admin.post(path + "/terminate", {"reason": "客户迁出"}), 400, "VALIDATION_FAILED")
    ended = agency_admin.post(path + "/terminate", {"reason": "客户迁出", "terminated_on": today.isoformat()})
    assert ended.status_code == 200 and ended.json()["status"] == "terminated"
    assert_error(agency_admin.post(path + "/amend", {"fee": "1.00"}), 409, "CONTRACT_TRANSITION_INVALID")
    history = agency_admin.get(path + "/history").json()["items"]
    assert [h["action"] for h in history] == ["created", "activated", "amended", "terminated"]
    assert history[2]["previous_terms"]["fee"] == "450.00"
    assert contract["id"] not in {c["id"] for c in agency_admin.get("/api/v1/contracts/expiring").json()["items"]}
    listed = agency_admin.get(f"/api/v1/clients/{client['id']}/contracts").json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "terminated"


def test_service_records_feedback_and_the_board(platform, agency_admin):
    client = create_client(agency_admin)
    path = f"/api/v1/clients/{client['id']}"
    accountant = create_user(agency_admin, ["accountant"], name="沈会计")
    agency_admin.request("PUT", path + "/assignments/accountant", json_body={"user_id": accountant.user["id"]})
    owner = create_user(agency_admin, ["client"], name="韩老板", client_id=client["id"])
    month = date.today().strftime("%Y-%m")
    for kind, description in [("bookkeeping", "录入本月凭证"), ("tax_filing", "申报增值税"), ("tax_filing", "申报个税")]:
        resp = accountant.post(path + "/service-records", {"date": date.today().isoformat(), "kind": kind,
                                                           "description": description, "result": "完成"})
        assert resp.status_code == 201, resp.text
    assert_error(owner.post(path + "/service-records", {"date": date.today().isoformat(), "kind": "other",
                                                        "description": "x"}), 403, "FORBIDDEN")
    complaint = owner.post(path + "/feedback", {"kind": "complaint", "content": "发票寄晚了"})
    assert complaint.status_code == 201, complaint.text
    feedback_id = complaint.json()["id"]
    assert_error(accountant.post(f"/api/v1/feedback/{feedback_id}/handle", {"note": "x"}), 403, "FORBIDDEN")
    assert_error(owner.post(f"/api/v1/feedback/{feedback_id}/close", {"satisfaction": 5}), 409,
                 "FEEDBACK_TRANSITION_INVALID")
    assert agency_admin.post(f"/api/v1/feedback/{feedback_id}/handle",
                             {"note": "改用顺丰寄送"}).json()["status"] == "handled"
    assert_error(owner.post(f"/api/v1/feedback/{feedback_id}/close", {"satisfaction": 0}), 400)
    closed = owner.post(f"/api/v1/feedback/{feedback_id}/close", {"satisfaction": 5, "note": "满意"})
    assert closed.status_code == 200 and closed.json()["satisfaction"] == 5

    board = owner.get(path + "/board", params={"period": month})
    assert board.status_code == 200, board.text
    board = board.json()
    assert board["service_records"]["count"] == 3 and board["service_records"]["by_kind"] == {
        "bookkeeping": 1, "tax_filing": 2}
    assert board["feedback"]["closed"] == 1 and board["feedback"]["average_satisfaction"] == 5
    assert board["ledger"] == {"status": "no_activity", "vouchers_posted": 0, "closed": False, "closed_at": None}
    assert board["tax"]["status"] == "not_connected"
    assert_error(owner.get(path + "/board", params={"period": "2026-13"}), 400, "VALIDATION_FAILED")
    records = accountant.get(path + "/service-records", params={"period": month}).json()
    assert records["total"] == 3 and {r["staff_user_id"] for r in records["items"]} == {accountant.user["id"]}
