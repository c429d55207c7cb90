"""The clients service enforces sign-in, permissions, tenancy and assignment-based
visibility itself: these calls go straight to it over RPC, no gateway in front."""
import uuid

import pytest

from servicekit.errors import Forbidden, NotFound, Unauthorized, ValidationFailed

from .conftest import anonymous_context, client_payload

SOME = str(uuid.uuid4())

SIGNED_IN_CALLS = [
    ("create_client", (client_payload(),)), ("list_clients", ({},)), ("get_client", (SOME,)),
    ("update_client", (SOME, {"version": 1, "name": "新名称有限公司"})),
    ("change_client_status", (SOME, {"status": "paused", "reason": "x"})),
    ("reveal_legal_representative", (SOME, {})), ("reveal_log", ({},)), ("list_contacts", (SOME,)),
    ("add_contact", (SOME, {"name": "a", "mobile": "13800138000"})), ("remove_contact", (SOME, SOME)),
    ("list_bank_accounts", (SOME,)), ("reveal_bank_account", (SOME, SOME, {})),
    ("list_assignments", (SOME,)), ("assign", (SOME, "accountant", {"user_id": SOME})),
    ("unassign", (SOME, "accountant")), ("list_contracts", (SOME, {})), ("get_contract", (SOME,)),
    ("expiring_contracts", ({},)), ("list_service_records", (SOME, {})), ("list_feedback", (SOME, {})),
    ("board", (SOME, {"period": "2026-01"})), ("import_template", ()), ("export_clients", ({},)),
    ("get_taxpayer_profile", (SOME,)), ("visible_client_ids", ()),
]


@pytest.mark.parametrize("method,args", SIGNED_IN_CALLS, ids=[m for m, _ in SIGNED_IN_CALLS])
def test_no_auth_context_is_unauthorized(rpc, method, args):
    with pytest.raises(Unauthorized) as err:
        rpc.clients(method, *args, context=anonymous_context())
    assert err.value.status == 401


def test_a_malformed_auth_context_fails_the_call_and_the_service_keeps_serving(rpc, agency_a):
    with pytest.raises(Unauthorized) as err:
        rpc.clients("list_clients", {}, context=anonymous_context(auth="{not json"))
    assert err.value.code == "AUTH_CONTEXT_INVALID"
    assert rpc.clients("list_clients", {}, context=agency_a.admin.context())["page"] == 1


@pytest.mark.parametrize("who", ["accountant", "assistant"])
def test_staff_cannot_manage_assign_reveal_or_export(rpc, agency_a, create, who):
    client = create(agency_a.admin)
    actor = getattr(agency_a, who)
    rpc.clients("assign", client["id"], who, {"user_id": actor.id}, context=agency_a.admin.context())
    refused = [
        ("create_client", client_payload()),
        ("update_client", client["id"], {"version": client["version"], "name": "改名有限公司"}),
        ("change_client_status", client["id"], {"status": "paused", "reason": "测试"}),
        ("reveal_legal_representative", client["id"], {}),
        ("reveal_bank_account", client["id"], client["bank_accounts"][0]["id"], {}),
        ("add_contact", client["id"], {"name": "新联系人", "mobile": "13900139000"}),
        ("assign", client["id"], "accountant", {"user_id": actor.id}),
        ("export_clients", {}), ("import_template",), ("reveal_log", {}),
        ("create_contract", client["id"], {"number": "HT-X", "start_date": "2026-01-01", "end_date": "2026-12-31",
                                           "services": ["bookkeeping"], "fee": "300.00", "billing_cycle": "monthly"}),
    ]
    for method, *args in refused:
        with pytest.raises(Forbidden) as err:
            rpc.clients(method, *args, context=actor.context())
        assert err.value.status == 403, method
    # what they may do on a client they serve
    assert rpc.clients("get_client", client["id"], context=actor.context())["id"] == client["id"]
    record = rpc.clients("add_service_record", client["id"], {"date": "2026-01-10", "kind": "bookkeeping",
                                                              "description": "录入凭证"}, context=actor.context())
    assert record["staff_user_id"] == actor.id


def test_an_unassigned_accountant_sees_nothing_until_assigned_and_loses_it_on_reassignment(rpc, agency_a, create):
    admin, acct, other = agency_a.admin, agency_a.accountant, agency_a.other_accountant
    client = create(admin)

    def visible_to(actor):
        return {c["id"] for c in rpc.clients("list_clients", {"page_size": 200}, context=actor.context())["items"]}

    assert client["id"] not in visible_to(acct)
    with pytest.raises(NotFound) as err:
        rpc.clients("get_client", client["id"], context=acct.context())
    assert err.value.code == "CLIENT_NOT_FOUND"
    for method, args in [("list_contacts", ()), ("list_bank_accounts", ()), ("list_assignments", ()),
                         ("get_taxpayer_profile", ()), ("board", ({"period": "2026-01"},)),
                         ("list_service_records", ({},)), ("list_contracts", ({},))]:
        with pytest.raises(NotFound):
            rpc.clients(method, client["id"], *args, context=acct.context())

    rpc.clients("assign", client["id"], "accountant", {"user_id": acct.id}, context=admin.context())
    assert client["id"] in visible_to(acct)
    assert rpc.clients("get_client", client["id"], context=acct.context())["assignments"]["accountant"]["user_id"] \
        == acct.id
    ids = rpc.clients("visible_client_ids", context=acct.context())
    assert ids["all"] is False and client["id"] in ids["client_ids"]

    rpc.clients("assign", client["id"], "accountant", {"user_id": other.id}, context=admin.context())
    assert client["id"] not in visible_to(acct)
    assert client["id"] in visible_to(other)
    with pytest.raises(NotFound):
        rpc.clients("get_client", client["id"], context=acct.context())
    history = rpc.clients("assignment_history", client["id"], {}, context=admin.context())
    assert [(h["before_user_id"], h["after_user_id"]) for h in history["items"]] == [(acct.id, other.id), (None, acct.id)]


def test_the_accountant_filter_and_the_assistant_role(rpc, agency_a, create):
    admin = agency_a.admin
    mine, theirs = create(admin), create(admin)
    rpc.clients("assign", mine["id"], "assistant", {"user_id": agency_a.assistant.id}, context=admin.context())
    rpc.clients("assign", theirs["id"], "accountant", {"user_id": agency_a.other_accountant.id}, context=admin.context())
    seen = rpc.clients("list_clients", {"page_size": 200}, context=agency_a.assistant.context())
    assert mine["id"] in {c["id"] for c in seen["items"]} and theirs["id"] not in {c["id"] for c in seen["items"]}
    filtered = rpc.clients("list_clients", {"accountant_id": agency_a.other_accountant.id, "page_size": 200},
                           context=admin.context())
    assert theirs["id"] in {c["id"] for c in filtered["items"]} and mine["id"] not in {c["id"] for c in filtered["items"]}
    # supervisors see everything of their agency without being assigned
    assert rpc.clients("get_client", mine["id"], context=agency_a.supervisor.context())["id"] == mine["id"]
    assert rpc.clients("visible_client_ids", context=agency_a.supervisor.context()) == {
        "agency_id": agency_a.id, "all": True, "client_ids": None}


def test_another_agency_sees_none_of_it(rpc, agency_a, agency_b, create):
    client = create(agency_a.admin)
    assert client["id"] not in {c["id"] for c in rpc.clients("list_clients", {"page_size": 200},
                                                             context=agency_b.admin.context())["items"]}
    for method, args in [("get_client", ()), ("update_client", ({"version": 1, "name": "偷改有限公司"},)),
                         ("reveal_legal_representative", ({},)), ("list_contacts", ()),
                         ("assign", ("accountant", {"user_id": agency_b.accountant.id})),
                         ("create_contract", ({"number": "B-1", "start_date": "2026-01-01", "end_date": "2026-02-01",
                                               "services": ["payroll"], "fee": "1.00", "billing_cycle": "once"},))]:
        with pytest.raises(NotFound):
            rpc.clients(method, client["id"], *args, context=agency_b.admin.context())
    # the same credit code is free in another agency
    twin = rpc.clients("create_client", client_payload(credit_code=client["credit_code"]),
                       context=agency_b.admin.context())
    assert twin["credit_code"] == client["credit_code"] and twin["id"] != client["id"]


def test_a_client_user_sees_only_their_own_company(rpc, people, agency_a, create):
    own, other = create(agency_a.admin), create(agency_a.admin)
    owner = people.add(agency_a.admin, ["client"], name="客户老板", client_id=own["id"])
    listed = rpc.clients("list_clients", {"page_size": 200}, context=owner.context())
    assert [c["id"] for c in listed["items"]] == [own["id"]] and listed["total"] == 1
    assert rpc.clients("get_client", own["id"], context=owner.context())["legal_representative"]["id_number_masked"]
    with pytest.raises(NotFound):
        rpc.clients("get_client", other["id"], context=owner.context())
    assert rpc.clients("visible_client_ids", context=owner.context())["client_ids"] == [own["id"]]
    with pytest.raises(Forbidden):
        rpc.clients("reveal_legal_representative", own["id"], {}, context=owner.context())
    with pytest.raises(Forbidden):
        rpc.clients("add_service_record", own["id"], {"date": "2026-01-10", "kind": "other", "description": "x"},
                    context=owner.context())
    fb = rpc.clients("create_feedback", own["id"], {"kind": "complaint", "content": "报税晚了两天"},
                     context=owner.context())
    assert fb["status"] == "open" and fb["created_by"] == owner.id
    with pytest.raises(NotFound):
        rpc.clients("create_feedback", other["id"], {"kind": "praise", "content": "x"}, context=owner.context())


def test_assignees_are_checked_with_identity(rpc, agency_a, agency_b, create):
    client = create(agency_a.admin)
    ctx = agency_a.admin.context()
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("assign", client["id"], "accountant", {"user_id": agency_b.accountant.id}, context=ctx)
    assert err.value.code == "ASSIGNEE_INVALID"
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("assign", client["id"], "accountant", {"user_id": agency_a.assistant.id}, context=ctx)
    assert "accountant" in err.value.message_en
    with pytest.raises(NotFound) as err:
        rpc.clients("assign", client["id"], "boss", {"user_id": agency_a.accountant.id}, context=ctx)
    assert err.value.code == "ASSIGNMENT_ROLE_UNKNOWN"
    # the supervisor may assign too (identity lets supervisors read users)
    done = rpc.clients("assign", client["id"], "supervisor", {"user_id": agency_a.supervisor.id},
                       context=agency_a.supervisor.context())
    assert done["assignments"]["supervisor"]["user_id"] == agency_a.supervisor.id
    assert done["assignments"]["supervisor"]["name"] == "赵主管"
    rpc.clients("unassign", client["id"], "supervisor", context=ctx)
    assert rpc.clients("list_assignments", client["id"], context=ctx)["assignments"]["supervisor"] is None


def test_disabling_a_user_or_taking_their_role_drops_their_assignments(rpc, people, agency_a, create, event_tap):
    admin = agency_a.admin
    acct = people.add(admin, ["accountant"], name="周会计")
    helper = people.add(admin, ["assistant", "accountant"], name="吴助理")
    first, second = create(admin), create(admin)
    rpc.clients("assign", first["id"], "accountant", {"user_id": acct.id}, context=admin.context())
    rpc.clients("assign", second["id"], "assistant", {"user_id": helper.id}, context=admin.context())
    rpc.clients("assign", second["id"], "accountant", {"user_id": helper.id}, context=admin.context())
    tap = event_tap("assignment_changed")

    rpc.identity("update_user", acct.id, {"disabled": True}, context=admin.context())
    rpc.identity("update_user", helper.id, {"roles": ["accountant"]}, context=admin.context())

    def change(message):
        data = message["body"]["data"]
        return data["client_id"], data["role"], data["before_user_id"], data["after_user_id"]

    for expected in [(first["id"], "accountant", acct.id, None), (second["id"], "assistant", helper.id, None)]:
        tap.wait_for(lambda m, expected=expected: change(m) == expected, timeout=15)
    tap.drain(1.0)
    # (the tap may also hold the assignments above, published a moment after it opened)
    assert {change(m) for m in tap.messages if m["body"]["data"]["client_id"] in (first["id"], second["id"])
            and m["body"]["data"]["after_user_id"] is None} == {
        (first["id"], "accountant", acct.id, None), (second["id"], "assistant", helper.id, None)}
    assert rpc.clients("list_assignments", first["id"], context=admin.context())["assignments"]["accountant"] is None
    kept = rpc.clients("list_assignments", second["id"], context=admin.context())["assignments"]
    assert kept["assistant"] is None and kept["accountant"]["user_id"] == helper.id
    history = rpc.clients("assignment_history", first["id"], {}, context=admin.context())["items"]
    assert (history[0]["before_user_id"], history[0]["after_user_id"], history[0]["actor_id"]) == (acct.id, None, None)
