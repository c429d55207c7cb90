"""Who sees which client, through the gateway: tenant isolation, assignment-based
visibility for accountants, a client user's own company, and the audited reveal
of the legal representative's ID number."""
import uuid

from .conftest import assert_error, create_user, register_agency
from .test_clients_api import create_client, listed


def test_another_agency_sees_none_of_our_clients(platform, anon, agency_admin):
    ours = create_client(agency_admin)
    theirs = register_agency(platform, anon, name="宝鸡丙财税")
    assert listed(theirs)["total"] == 0
    assert_error(theirs.get(f"/api/v1/clients/{ours['id']}"), 404, "CLIENT_NOT_FOUND")
    assert_error(theirs.patch(f"/api/v1/clients/{ours['id']}", {"version": 1, "name": "篡改有限公司"}), 404)
    assert_error(theirs.post(f"/api/v1/clients/{ours['id']}/legal-representative/reveal", {}), 404)
    assert_error(theirs.get(f"/api/v1/clients/{ours['id']}/contacts"), 404)
    assert agency_admin.get(f"/api/v1/clients/{ours['id']}").json()["name"] == ours["name"]


def test_an_accountant_sees_only_the_clients_assigned_to_them(platform, agency_admin):
    first = create_user(agency_admin, ["accountant"], name="周会计")
    second = create_user(agency_admin, ["accountant"], name="吴会计")
    client = create_client(agency_admin)
    path = f"/api/v1/clients/{client['id']}"

    assert listed(first)["total"] == 0 and listed(first)["items"] == []
    assert_error(first.get(path), 404, "CLIENT_NOT_FOUND")
    assert_error(first.get(path + "/board", params={"period": "2026-01"}), 404, "CLIENT_NOT_FOUND")

    resp = agency_admin.request("PUT", path + "/assignments/accountant", json_body={"user_id": first.user["id"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["assignments"]["accountant"]["user_id"] == first.user["id"]
    assert [c["id"] for c in listed(first)["items"]] == [client["id"]]
    assert first.get(path).status_code == 200
    assert listed(agency_admin, accountant_id=first.user["id"])["total"] == 1
    # an accountant may not assign, not even themself to another client
    other = create_client(agency_admin)
    assert_error(first.request("PUT", f"/api/v1/clients/{other['id']}/assignments/accountant",
                               json_body={"user_id": first.user["id"]}), 403, "FORBIDDEN")

    resp = agency_admin.request("PUT", path + "/assignments/accountant", json_body={"user_id": second.user["id"]})
    assert resp.status_code == 200, resp.text
    assert listed(first)["total"] == 0
    assert_error(first.get(path), 404, "CLIENT_NOT_FOUND")
    assert [c["id"] for c in listed(second)["items"]] == [client["id"]]
    history = agency_admin.get(path + "/assignments/history").json()["items"]
    assert [(h["before_user_id"], h["after_user_id"]) for h in history] == [
        (first.user["id"], second.user["id"]), (None, first.user["id"])]
    # only staff of this agency holding the role can be assigned
    assistant = create_user(agency_admin, ["assistant"], name="郑助理")
    assert_error(agency_admin.request("PUT", path + "/assignments/accountant",
                                      json_body={"user_id": assistant.user["id"]}), 400, "ASSIGNEE_INVALID")
    assert_error(agency_admin.request("PUT", path + "/assignments/accountant",
                                      json_body={"user_id": str(uuid.uuid4())}), 400, "ASSIGNEE_INVALID")
    assert_error(agency_admin.request("PUT", path + "/assignments/cashier",
                                      json_body={"user_id": assistant.user["id"]}), 404, "ASSIGNMENT_ROLE_UNKNOWN")


def test_a_client_user_sees_only_their_own_company(platform, agency_admin):
    own, other = create_client(agency_admin), create_client(agency_admin)
    owner = create_user(agency_admin, ["client"], name="冯老板", client_id=own["id"])
    page = listed(owner)
    assert [c["id"] for c in page["items"]] == [own["id"]] and page["total"] == 1
    assert owner.get(f"/api/v1/clients/{own['id']}").status_code == 200
    assert_error(owner.get(f"/api/v1/clients/{other['id']}"), 404, "CLIENT_NOT_FOUND")
    assert_error(owner.patch(f"/api/v1/clients/{own['id']}", {"version": 1, "short_name": "自己改"}), 403, "FORBIDDEN")
    assert_error(owner.post("/api/v1/clients", {"name": "x", "credit_code": "x", "taxpayer_type": "general"}), 403)
    assert_error(owner.get("/api/v1/clients/export"), 403, "FORBIDDEN")


def test_reveal_is_for_admins_and_supervisors_and_every_reveal_is_audited(platform, agency_admin):
    client = create_client(agency_admin)
    path = f"/api/v1/clients/{client['id']}"
    accountant = create_user(agency_admin, ["accountant"], name="褚会计")
    agency_admin.request("PUT", path + "/assignments/accountant", json_body={"user_id": accountant.user["id"]})
    supervisor = create_user(agency_admin, ["supervisor"], name="卫主管")

    refused = assert_error(accountant.post(path + "/legal-representative/reveal", {}), 403, "FORBIDDEN")
    assert refused["details"]["permission"] == "clients.reveal_sensitive"
    account_id = client["bank_accounts"][0]["id"]
    assert_error(accountant.post(f"{path}/bank-accounts/{account_id}/reveal", {}), 403, "FORBIDDEN")
    # what the accountant does see is masked
    seen = accountant.get(path).json()
    assert "*" in seen["legal_representative"]["id_number_masked"]

    resp = agency_admin.post(path + "/legal-representative/reveal", {"reason": "工商年报"})
    assert resp.status_code == 200, resp.text
    body_number = resp.json()["id_number"]
    assert len(body_number) == 18 and "*" not in body_number
    assert body_number[:4] == seen["legal_representative"]["id_number_masked"][:4]
    resp = supervisor.post(f"{path}/bank-accounts/{account_id}/reveal", {})
    assert resp.status_code == 200 and resp.json()["account_number"].isdigit()

    log = agency_admin.get("/api/v1/clients/reveal-log", params={"client_id": client["id"]}).json()
    assert log["total"] == 2
    newest, oldest = log["items"]
    assert (oldest["field"], oldest["actor_id"], oldest["reason"]) == (
        "legal_representative.id_number", agency_admin.user["id"], "工商年报")
    assert (newest["field"], newest["actor_id"], newest["bank_account_id"]) == (
        "bank_account.account_number", supervisor.user["id"], account_id)
    assert oldest["ip"] == agency_admin.ip
    assert body_number not in str(log)
    assert_error(supervisor.get("/api/v1/clients/reveal-log"), 403, "FORBIDDEN")  # audit.read is the admin's
