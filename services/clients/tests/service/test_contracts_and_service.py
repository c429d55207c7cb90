"""Contracts (draft → active → amended → terminated, history, expiring), contacts,
service records, feedback and the monthly board, over RPC."""
import uuid
from datetime import date, timedelta

import pytest

from servicekit.errors import Conflict, Forbidden, NotFound, ValidationFailed


def contract_body(**changes):
    body = {"number": f"HT-{uuid.uuid4().hex[:8]}", "start_date": "2026-01-01", "end_date": "2026-12-31",
            "services": ["bookkeeping", "tax_filing"], "fee": "600.00", "billing_cycle": "monthly"}
    body.update(changes)
    return body


def test_contract_lifecycle_keeps_every_change(rpc, agency_a, create):
    ctx = agency_a.admin.context()
    client = create(agency_a.admin)
    draft = rpc.clients("create_contract", client["id"], contract_body(), context=ctx)
    assert draft["status"] == "draft" and draft["revision"] == 1 and draft["fee"] == "600.00"
    edited = rpc.clients("update_contract", draft["id"], {"fee": "650.00"}, context=ctx)
    assert edited["fee"] == "650.00" and edited["status"] == "draft"
    active = rpc.clients("activate_contract", draft["id"], context=ctx)
    assert active["status"] == "active"
    with pytest.raises(Conflict) as err:
        rpc.clients("update_contract", draft["id"], {"fee": "1.00"}, context=ctx)
    assert err.value.code == "CONTRACT_TRANSITION_INVALID"
    with pytest.raises(Conflict):
        rpc.clients("activate_contract", draft["id"], context=ctx)
    amended = rpc.clients("amend_contract", draft["id"], {"services": ["bookkeeping", "tax_filing", "payroll"],
                                                          "fee": "800.00", "note": "增加工资服务"}, context=ctx)
    assert amended["status"] == "amended" and amended["revision"] == 2 and amended["fee"] == "800.00"
    again = rpc.clients("amend_contract", draft["id"], {"end_date": "2027-06-30"}, context=ctx)
    assert again["revision"] == 3
    with pytest.raises(ValidationFailed):
        rpc.clients("amend_contract", draft["id"], {"end_date": "2027-06-30"}, context=ctx)  # nothing changes
    with pytest.raises(ValidationFailed):
        rpc.clients("terminate_contract", draft["id"], {"reason": "x", "terminated_on": "2025-12-31"}, context=ctx)
    ended = rpc.clients("terminate_contract", draft["id"], {"reason": "客户注销", "terminated_on": "2026-08-31"},
                        context=ctx)
    assert ended["status"] == "terminated" and ended["terminated_on"] == "2026-08-31"
    for method, args in [("amend_contract", ({"fee": "1.00"},)), ("activate_contract", ()),
                         ("terminate_contract", ({"reason": "x", "terminated_on": "2026-09-01"},))]:
        with pytest.raises(Conflict):
            rpc.clients(method, draft["id"], *args, context=ctx)

    history = rpc.clients("contract_history", draft["id"], context=ctx)["items"]
    assert [h["action"] for h in history] == ["created", "edited", "activated", "amended", "amended", "terminated"]
    assert history[1]["previous_terms"]["fee"] == "600.00"
    assert history[3]["previous_terms"] == {"start_date": "2026-01-01", "end_date": "2026-12-31",
                                            "services": ["bookkeeping", "tax_filing"], "fee": "650.00",
                                            "billing_cycle": "monthly", "notes": None}
    assert history[3]["revision"] == 1 and history[3]["note"] == "增加工资服务"
    assert history[4]["previous_terms"]["fee"] == "800.00" and history[4]["revision"] == 2
    assert history[5]["note"] == "客户注销"


def test_contract_numbers_are_unique_per_agency_and_terms_are_checked(rpc, agency_a, agency_b, create):
    ctx = agency_a.admin.context()
    client = create(agency_a.admin)
    first = rpc.clients("create_contract", client["id"], contract_body(), context=ctx)
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("create_contract", client["id"], contract_body(number=first["number"]), context=ctx)
    assert err.value.code == "CONTRACT_NUMBER_TAKEN"
    other = create(agency_b.admin)
    rpc.clients("create_contract", other["id"], contract_body(number=first["number"]), context=agency_b.admin.context())
    for bad, field in [({"end_date": "2025-12-31"}, "end_date"), ({"services": ["massage"]}, "services"),
                       ({"services": []}, "services"), ({"fee": "-1.00"}, "fee"), ({"billing_cycle": "daily"},
                                                                                     "billing_cycle")]:
        with pytest.raises(ValidationFailed) as err:
            rpc.clients("create_contract", client["id"], contract_body(**bad), context=ctx)
        assert field in err.value.details["fields"], bad
    # a terminated client takes no new contract
    rpc.clients("change_client_status", client["id"], {"status": "terminated", "reason": "不再合作"}, context=ctx)
    with pytest.raises(Conflict) as err:
        rpc.clients("create_contract", client["id"], contract_body(), context=ctx)
    assert err.value.code == "CLIENT_TERMINATED"


def test_expiring_contracts_of_visible_clients_only(rpc, agency_a, create):
    ctx = agency_a.admin.context()
    today = date.today()
    served, unserved = create(agency_a.admin), create(agency_a.admin)
    rpc.clients("assign", served["id"], "accountant", {"user_id": agency_a.accountant.id}, context=ctx)
    made = {}
    for key, client, end, activate in [("soon", served, today + timedelta(days=10), True),
                                       ("edge", served, today + timedelta(days=30), True),
                                       ("later", served, today + timedelta(days=31), True),
                                       ("draft", served, today + timedelta(days=5), False),
                                       ("other", unserved, today + timedelta(days=3), True)]:
        contract = rpc.clients("create_contract", client["id"], contract_body(
            start_date=(today - timedelta(days=300)).isoformat(), end_date=end.isoformat()), context=ctx)
        if activate:
            rpc.clients("activate_contract", contract["id"], context=ctx)
        made[key] = contract["id"]
    rpc.clients("amend_contract", made["edge"], {"fee": "900.00"}, context=ctx)  # amended is still in force

    def expiring(actor, **query):
        return rpc.clients("expiring_contracts", {"page_size": 200, **query}, context=actor.context())

    admin_ids = [c["id"] for c in expiring(agency_a.admin)["items"]]
    assert {made["soon"], made["edge"], made["other"]} <= set(admin_ids)
    assert made["later"] not in admin_ids and made["draft"] not in admin_ids
    mine = expiring(agency_a.accountant)
    assert {c["id"] for c in mine["items"]} == {made["soon"], made["edge"]}
    assert mine["items"][0]["days_left"] == 10 and mine["items"][0]["client_name"] == served["name"]
    assert {c["id"] for c in expiring(agency_a.accountant, days=15)["items"]} == {made["soon"]}
    assert expiring(agency_a.other_accountant)["total"] == 0
    with pytest.raises(Forbidden):
        expiring(agency_a.assistant)  # contracts.read is not an assistant's
    with pytest.raises(NotFound):
        rpc.clients("get_contract", made["other"], context=agency_a.accountant.context())


def test_contacts_keep_exactly_one_primary(rpc, agency_a, create):
    ctx = agency_a.admin.context()
    client = create(agency_a.admin)
    first = client["contacts"][0]
    second = rpc.clients("add_contact", client["id"], {"name": "周六", "wechat": "zhou6"}, context=ctx)
    assert second["primary"] is False and first["primary"] is True
    rpc.clients("update_contact", client["id"], second["id"], {"primary": True}, context=ctx)
    listed = rpc.clients("list_contacts", client["id"], context=ctx)["items"]
    assert [(c["id"], c["primary"]) for c in listed] == [(second["id"], True), (first["id"], False)]
    with pytest.raises(Conflict):
        rpc.clients("update_contact", client["id"], second["id"], {"primary": False}, context=ctx)
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("update_contact", client["id"], first["id"], {"mobile": "123"}, context=ctx)
    assert err.value.code == "INVALID_PHONE"
    rpc.clients("remove_contact", client["id"], second["id"], context=ctx)
    assert [c["primary"] for c in rpc.clients("list_contacts", client["id"], context=ctx)["items"]] == [True]
    with pytest.raises(NotFound):
        rpc.clients("remove_contact", client["id"], second["id"], context=ctx)
    assert rpc.clients("get_client", client["id"], context=ctx)["version"] == 4  # three contact changes


def test_service_records_feedback_and_the_board(rpc, people, agency_a, create):
    ctx = agency_a.admin.context()
    client = create(agency_a.admin)
    acct = agency_a.accountant
    rpc.clients("assign", client["id"], "accountant", {"user_id": acct.id}, context=ctx)
    owner = people.add(agency_a.admin, ["client"], name="老板", client_id=client["id"])
    for day, kind in [("2026-01-05", "bookkeeping"), ("2026-01-15", "tax_filing"), ("2026-01-16", "tax_filing"),
                      ("2026-02-03", "payroll")]:
        rpc.clients("add_service_record", client["id"], {"date": day, "kind": kind, "description": f"{kind} 完成",
                                                         "result": "已完成"}, context=acct.context())
    by_admin = rpc.clients("add_service_record", client["id"], {"date": "2026-01-20", "kind": "visit",
                                                                "description": "上门收票", "staff_user_id": acct.id},
                           context=ctx)
    assert by_admin["staff_user_id"] == acct.id and by_admin["created_by"] == agency_a.admin.id
    with pytest.raises(ValidationFailed) as err:  # not someone who serves this client
        rpc.clients("add_service_record", client["id"], {"date": "2026-01-20", "kind": "visit", "description": "x",
                                                         "staff_user_id": agency_a.other_accountant.id}, context=ctx)
    assert err.value.code == "STAFF_NOT_ASSIGNED"
    with pytest.raises(ValidationFailed):
        rpc.clients("add_service_record", client["id"], {"date": "2999-01-01", "kind": "visit", "description": "x"},
                    context=ctx)
    january = rpc.clients("list_service_records", client["id"], {"period": "2026-01"}, context=owner.context())
    assert january["total"] == 4

    complaint = rpc.clients("create_feedback", client["id"], {"kind": "complaint", "content": "回复太慢"},
                            context=owner.context())
    praise = rpc.clients("create_feedback", client["id"], {"kind": "praise", "content": "张会计很专业"},
                         context=acct.context())
    with pytest.raises(Forbidden):
        rpc.clients("handle_feedback", complaint["id"], {"note": "x"}, context=acct.context())
    with pytest.raises(Conflict):
        rpc.clients("close_feedback", complaint["id"], {"satisfaction": 3}, context=owner.context())
    handled = rpc.clients("handle_feedback", complaint["id"], {"note": "已约定每周回复"}, context=ctx)
    assert handled["status"] == "handled" and handled["handled_by"] == agency_a.admin.id
    with pytest.raises(ValidationFailed):
        rpc.clients("close_feedback", complaint["id"], {"satisfaction": 6}, context=owner.context())
    closed = rpc.clients("close_feedback", complaint["id"], {"satisfaction": 4}, context=owner.context())
    assert closed["status"] == "closed" and closed["satisfaction"] == 4 and closed["closed_by"] == owner.id
    with pytest.raises(Conflict):
        rpc.clients("handle_feedback", complaint["id"], {"note": "again"}, context=ctx)
    assert rpc.clients("list_feedback", client["id"], {"status": "open"}, context=ctx)["items"][0]["id"] == praise["id"]

    board = rpc.clients("board", client["id"], {"period": "2026-01"}, context=owner.context())
    assert board["period"] == "2026-01" and board["client"]["id"] == client["id"]
    assert board["service_records"]["count"] == 4
    assert board["service_records"]["by_kind"] == {"bookkeeping": 1, "tax_filing": 2, "visit": 1}
    # no ledger events for this client (no book): nothing posted yet; tax is not built
    assert board["ledger"] == {"status": "no_activity", "vouchers_posted": 0, "closed": False, "closed_at": None}
    assert board["tax"]["status"] == "not_connected"
    this_month = date.today().strftime("%Y-%m")
    now_board = rpc.clients("board", client["id"], {"period": this_month}, context=ctx)
    assert now_board["feedback"]["count"] == 2 and now_board["feedback"]["complaints"] == 1
    assert now_board["feedback"]["closed"] == 1 and now_board["feedback"]["average_satisfaction"] == 4.0


def test_status_changes_and_taxpayer_profile(rpc, agency_a, create):
    ctx = agency_a.admin.context()
    client = create(agency_a.admin)
    assert rpc.clients("get_taxpayer_profile", client["id"], context=ctx) == {
        "client_id": client["id"], "taxpayer_type": "small_scale", "small_low_profit": True, "location_class": "urban",
        "accounting_standard": "small_business_2013", "tax_authority": "国家税务总局西安市雁塔区税务局"}
    with pytest.raises(ValidationFailed):
        rpc.clients("change_client_status", client["id"], {"status": "paused"}, context=ctx)
    paused = rpc.clients("change_client_status", client["id"], {"status": "paused", "reason": "停业整顿"}, context=ctx)
    assert paused["status"] == "paused" and paused["status_reason"] == "停业整顿" and paused["version"] == 2
    with pytest.raises(Conflict) as err:
        rpc.clients("change_client_status", client["id"], {"status": "paused", "reason": "x"}, context=ctx)
    assert err.value.code == "STATUS_UNCHANGED"
    with pytest.raises(Conflict) as err:
        rpc.clients("change_client_status", client["id"], {"status": "active", "version": 1}, context=ctx)
    assert err.value.code == "VERSION_CONFLICT"
    listed = rpc.clients("list_clients", {"status": "paused", "page_size": 200}, context=ctx)
    assert client["id"] in {c["id"] for c in listed["items"]}
