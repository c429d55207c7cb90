"""identity's events, as an outside subscriber sees them: a plain kombu consumer
bound to the durable topic exchange identity.events in the test vhost."""
import json
import uuid
from datetime import datetime

import pytest

from .conftest import EVENTS_EXCHANGE, PASSWORD, rabbit_api, unique_email, unique_phone

ENVELOPE = {"event_id", "event_type", "schema_version", "occurred_at", "agency_id", "client_id",
            "aggregate_id", "sequence", "data"}
SECRET_KEYS = {"email", "phone", "password", "password_hash", "mfa_secret", "recovery_code_hashes"}


def _check_envelope(message, event_type):
    body = message["body"]
    assert ENVELOPE <= set(body), body
    assert body["event_type"] == event_type
    assert message["routing_key"] == event_type
    assert message["exchange"] == EVENTS_EXCHANGE
    assert message["content_type"] == "application/json"
    assert message["properties"].get("delivery_mode") == 2  # persistent
    uuid.UUID(body["event_id"])
    assert isinstance(body["schema_version"], int) and body["schema_version"] >= 1
    assert isinstance(body["sequence"], int) and body["sequence"] >= 1
    assert datetime.fromisoformat(body["occurred_at"].replace("Z", "+00:00")).tzinfo is not None
    return body


def test_the_events_exchange_is_a_durable_topic_exchange(rpc, agency_a):
    exchange = rabbit_api("exchanges/{vhost}/" + EVENTS_EXCHANGE)
    assert exchange["type"] == "topic"
    assert exchange["durable"] is True
    assert exchange["auto_delete"] is False


def test_user_created_event_carries_the_envelope_and_no_contact_details(rpc, agency_a, event_tap):
    tap = event_tap("user_created")
    email, phone = unique_email("evented"), unique_phone()
    user = rpc.identity("create_user", {"name": "何会计", "email": email, "phone": phone, "password": PASSWORD,
                                    "roles": ["accountant"]}, context=agency_a.admin.context())

    message = tap.wait_for(lambda m: m["body"].get("aggregate_id") == user["id"])
    body = _check_envelope(message, "user_created")
    assert body["agency_id"] == agency_a.id
    assert body["client_id"] is None
    assert body["sequence"] == 1  # the first event of this user
    assert body["data"]["user"]["id"] == user["id"]
    assert body["data"]["user"]["roles"] == ["accountant"]
    assert body["data"]["user"]["name"] == "何会计"
    assert not SECRET_KEYS & set(body["data"]["user"]), body["data"]["user"]
    raw = message["raw"] if isinstance(message["raw"], str) else message["raw"].decode()
    for secret in (email, phone, "$argon2", PASSWORD):
        assert secret not in raw
    assert message["headers"].get("event_id") == body["event_id"]


def test_a_refused_create_user_publishes_nothing(rpc, agency_a, event_tap):
    from servicekit.errors import Forbidden

    tap = event_tap("user_created")
    email = unique_email("refused")
    with pytest.raises(Forbidden):
        rpc.identity("create_user", {"name": "不应存在", "email": email, "password": PASSWORD, "roles": ["admin"]},
                 context=agency_a.accountant.context())
    # a later, allowed creation arrives; the refused one never does
    ok = rpc.identity("create_user", {"name": "应存在", "email": unique_email("allowed"), "password": PASSWORD,
                                  "roles": ["assistant"]}, context=agency_a.admin.context())
    tap.wait_for(lambda m: m["body"]["aggregate_id"] == ok["id"])
    tap.drain(0.3)
    names = [m["body"]["data"]["user"]["name"] for m in tap.messages if m["body"]["agency_id"] == agency_a.id]
    assert "应存在" in names and "不应存在" not in names


def test_session_revoked_arrives_after_logout(rpc, identity, agency_a, event_tap):
    member = identity.add_staff(agency_a.admin, ["assistant"], name="林出纳")
    tap = event_tap("session_revoked")
    assert rpc.identity("logout", {}, context=member.context()) == {}

    message = tap.wait_for(lambda m: member.claims["sid"] in m["body"]["data"].get("session_ids", []))
    body = _check_envelope(message, "session_revoked")
    assert body["agency_id"] == agency_a.id
    assert body["aggregate_id"] == member.id
    assert body["data"] == {"session_ids": [member.claims["sid"]], "user_id": member.id, "reason": "logout"}
    # the gateway's view of revoked sessions agrees
    assert member.claims["sid"] in rpc.identity("public_auth_state")["revoked_sessions"]


def test_user_updated_and_session_revoked_when_roles_change(rpc, identity, agency_a, event_tap):
    member = identity.add_staff(agency_a.admin, ["assistant"], name="罗出纳")
    tap = event_tap("user_updated", "session_revoked")
    rpc.identity("update_user", member.id, {"roles": ["accountant"]}, context=agency_a.admin.context())

    updated = tap.wait_for(lambda m: m["routing_key"] == "user_updated" and m["body"]["aggregate_id"] == member.id)
    revoked = tap.wait_for(lambda m: m["routing_key"] == "session_revoked" and m["body"]["aggregate_id"] == member.id)
    assert updated["body"]["data"]["user"]["roles"] == ["accountant"]
    assert "roles" in updated["body"]["data"]["changed"]
    assert not SECRET_KEYS & set(updated["body"]["data"]["user"])
    assert revoked["body"]["data"]["reason"] == "roles_changed"
    # one aggregate (the user): sequence numbers grow without gaps
    # (1 user_created, then the two events of this change, in commit order)
    assert sorted([updated["body"]["sequence"], revoked["body"]["sequence"]]) == [2, 3]


def test_events_of_one_agency_do_not_name_another(rpc, identity, agency_b, event_tap):
    tap = event_tap("#")
    user = identity.create_user(agency_b.admin, ["assistant"], name="许出纳")
    tap.wait_for(lambda m: m["body"]["aggregate_id"] == user["id"])
    mine = [m["body"] for m in tap.messages if m["body"]["aggregate_id"] == user["id"]]
    assert {b["agency_id"] for b in mine} == {agency_b.id}
    json.dumps(mine)  # plain JSON all the way
