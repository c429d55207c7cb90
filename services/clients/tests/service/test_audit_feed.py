"""identity's audit log follows the clients service's events: a reveal, a
reassignment and a status change each land in the agency's hash chain once, with
who did it and never the revealed value."""
import time


def audit_entries(rpc, admin, action, target_id, expect, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        items = rpc.identity("audit_log", {"action": action, "target_id": target_id}, context=admin.context())["items"]
        if len(items) >= expect or time.monotonic() > deadline:
            return items
        time.sleep(0.2)


def test_reveals_assignments_and_status_changes_reach_the_audit_log(rpc, agency_a, create):
    admin = agency_a.admin
    client = create(admin)
    rpc.clients("reveal_legal_representative", client["id"], {"reason": "核对工商信息"}, context=admin.context())
    rpc.clients("assign", client["id"], "accountant", {"user_id": agency_a.accountant.id}, context=admin.context())
    rpc.clients("change_client_status", client["id"], {"status": "paused", "reason": "客户暂停"},
                context=admin.context())

    revealed = audit_entries(rpc, admin, "client.sensitive_revealed", client["id"], 1)
    assert len(revealed) == 1
    assert revealed[0]["actor_id"] == admin.id
    assert revealed[0]["details"]["field"] == "legal_representative.id_number"
    assert revealed[0]["details"]["reason"] == "核对工商信息"
    full_number = rpc.clients("reveal_legal_representative", client["id"], {},
                              context=admin.context())["id_number"]
    assert full_number not in str(revealed[0])

    assigned = audit_entries(rpc, admin, "client.assignment_changed", client["id"], 1)
    assert [(e["actor_id"], e["details"]["after_user_id"]) for e in assigned] == [(admin.id, agency_a.accountant.id)]
    paused = audit_entries(rpc, admin, "client.status_changed", client["id"], 1)
    assert [(e["details"]["from"], e["details"]["to"]) for e in paused] == [("active", "paused")]

    assert rpc.identity("verify_audit_chain", context=admin.context())["ok"] is True
