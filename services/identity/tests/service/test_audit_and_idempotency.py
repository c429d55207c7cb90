"""The hash-chained audit log and Idempotency-Key handling, over RPC."""
import uuid

import pytest

from servicekit.errors import Conflict

from .conftest import PASSWORD, total_users, unique_email


def test_audit_chain_verifies_after_several_actions(rpc, identity):
    admin = identity.register_agency("铜川庚财税")
    ctx = admin.context()
    member = identity.add_staff(admin, ["assistant"], name="高出纳")
    rpc.identity("update_user", member.id, {"name": "高出纳二"}, context=ctx)
    rpc.identity("update_user", member.id, {"roles": ["accountant"]}, context=ctx)
    rpc.identity("update_agency", {"name": "铜川庚财税有限公司"}, context=ctx)
    rpc.identity("revoke_user_sessions", member.id, context=ctx)
    rpc.identity("update_user", member.id, {"disabled": True}, context=ctx)

    entries = rpc.identity("audit_log", {"page_size": 200}, context=ctx)
    actions = [e["action"] for e in reversed(entries["items"])]
    for expected in ("agency.registered", "login.succeeded", "user.created", "user.renamed", "user.roles_changed",
                     "agency.updated", "user.sessions_revoked", "user.disabled"):
        assert expected in actions, actions
    assert actions[0] == "agency.registered"
    seqs = [e["seq"] for e in reversed(entries["items"])]
    assert seqs == list(range(1, len(seqs) + 1))
    assert all(e["hash"] for e in entries["items"])
    created = next(e for e in entries["items"] if e["action"] == "user.created")
    assert created["actor_id"] == admin.id and created["target_id"] == member.id
    assert created["ip"] == "10.20.30.40" and created["user_agent"] == "svc-tests/1.0"

    result = rpc.identity("verify_audit_chain", context=ctx)
    assert result["ok"] is True, result
    assert result["checked"] == entries["total"]
    assert result["first_bad_seq"] is None


def test_audit_log_is_per_agency(rpc, agency_a, agency_b):
    a = rpc.identity("audit_log", {"page_size": 200}, context=agency_a.admin.context())
    ids_b = {agency_b.admin.id, agency_b.accountant.id, agency_b.assistant.id}
    assert not {e["actor_id"] for e in a["items"]} & ids_b
    assert not {e["target_id"] for e in a["items"]} & ids_b
    # filtering by another agency's actor finds nothing either
    assert rpc.identity("audit_log", {"actor_id": agency_b.admin.id}, context=agency_a.admin.context())["total"] == 0
    assert rpc.identity("verify_audit_chain", context=agency_b.admin.context())["ok"] is True


def _new_user_payload(name="重试会计"):
    return {"name": name, "email": unique_email("retry"), "password": PASSWORD, "roles": ["accountant"]}


def test_create_user_retry_with_the_same_key_returns_the_first_user(rpc, agency_a):
    admin = agency_a.admin
    key = f"svc-test-{uuid.uuid4()}"
    payload = _new_user_payload()
    before = total_users(rpc, admin)

    first = rpc.identity("create_user", payload, context=admin.context(idempotency_key=key))
    again = rpc.identity("create_user", payload, context=admin.context(idempotency_key=key))
    assert again["id"] == first["id"]
    assert again == first
    assert total_users(rpc, admin) == before + 1
    assert rpc.identity("list_users", {"q": payload["email"]}, context=admin.context())["total"] == 1
    created = rpc.identity("audit_log", {"action": "user.created", "target_id": first["id"]}, context=admin.context())
    assert created["total"] == 1


def test_same_key_with_a_different_payload_is_a_conflict(rpc, agency_a):
    admin = agency_a.admin
    key = f"svc-test-{uuid.uuid4()}"
    first = rpc.identity("create_user", _new_user_payload(), context=admin.context(idempotency_key=key))
    before = total_users(rpc, admin)

    other = _new_user_payload("另一个人")
    with pytest.raises(Conflict) as err:
        rpc.identity("create_user", other, context=admin.context(idempotency_key=key))
    assert err.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert err.value.status == 409
    assert total_users(rpc, admin) == before
    assert rpc.identity("list_users", {"q": other["email"]}, context=admin.context())["total"] == 0
    assert rpc.identity("get_user", first["id"], context=admin.context())["id"] == first["id"]


def test_without_a_key_a_repeat_is_a_new_request(rpc, agency_a):
    payload = _new_user_payload()
    rpc.identity("create_user", payload, context=agency_a.admin.context())
    with pytest.raises(Conflict) as err:  # same email again: refused by the uniqueness rule
        rpc.identity("create_user", payload, context=agency_a.admin.context())
    assert err.value.code == "LOGIN_TAKEN"


def test_keys_are_scoped_to_the_caller(rpc, agency_a, agency_b):
    """The same key from another agency's admin is a different request, not a replay
    of agency A's reply."""
    key = f"svc-test-{uuid.uuid4()}"
    in_a = rpc.identity("create_user", _new_user_payload(), context=agency_a.admin.context(idempotency_key=key))
    in_b = rpc.identity("create_user", _new_user_payload(), context=agency_b.admin.context(idempotency_key=key))
    assert in_b["id"] != in_a["id"]
    assert in_b["agency_id"] == agency_b.id
