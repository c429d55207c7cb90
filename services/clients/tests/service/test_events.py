"""clients.events as an outside subscriber sees them: a plain kombu consumer, every
event checked against the JSON Schema published for it in docs/events.md."""
import json
import re
import uuid
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from .conftest import AMQP, EVENTS_EXCHANGE, client_payload

DOC = Path(__file__).resolve().parents[4] / "docs" / "events.md"
ENVELOPE = {"event_id", "event_type", "schema_version", "occurred_at", "agency_id", "client_id", "aggregate_type",
            "aggregate_id", "sequence", "service", "data"}


def documented_schemas():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## clients events (`clients.events`)"):]
    found = {}
    for name, body in re.findall(r"### `(\w+)` \(aggregate `client`\).*?```json\n(.*?)```", section, re.S):
        found[name] = json.loads(body)
    return found


SCHEMAS = documented_schemas()


def test_every_event_type_is_documented_with_a_valid_schema():
    assert set(SCHEMAS) == {"client_created", "client_updated", "client_status_changed", "assignment_changed",
                            "contract_changed", "sensitive_revealed"}
    for schema in SCHEMAS.values():
        jsonschema.Draft7Validator.check_schema(schema)


def check(message, event_type, agency_id):
    body = message["body"]
    assert set(body) == ENVELOPE, body
    assert body["event_type"] == event_type == message["routing_key"]
    assert message["exchange"] == EVENTS_EXCHANGE
    assert message["content_type"] == "application/json"
    assert message["properties"].get("delivery_mode") == 2
    assert message["headers"].get("event_id") == body["event_id"]
    uuid.UUID(body["event_id"])
    assert datetime.fromisoformat(body["occurred_at"].replace("Z", "+00:00")).tzinfo is not None
    assert body["service"] == "clients" and body["agency_id"] == agency_id
    assert body["aggregate_type"] == "client" and body["aggregate_id"] == body["client_id"]
    jsonschema.validate(body["data"], SCHEMAS[event_type], format_checker=jsonschema.FormatChecker())
    return body


def test_a_clients_life_as_events_in_order(rpc, agency_a, event_tap):
    tap = event_tap("#")
    ctx = agency_a.admin.context()
    payload = client_payload()
    secret_id, secret_account = payload["legal_representative"]["id_number"], payload["bank_accounts"][0]["account_number"]
    client = rpc.clients("create_client", payload, context=ctx)
    cid = client["id"]
    rpc.clients("update_client", cid, {"version": 1, "name": client["name"] + "二", "taxpayer_type": "general",
                                       "legal_representative": {"id_number": "11010519491231002X"}}, context=ctx)
    rpc.clients("add_contact", cid, {"name": "王五", "mobile": "13700137000", "primary": True}, context=ctx)
    rpc.clients("change_client_status", cid, {"status": "paused", "reason": "客户暂停营业"}, context=ctx)
    rpc.clients("assign", cid, "accountant", {"user_id": agency_a.accountant.id}, context=ctx)
    contract = rpc.clients("create_contract", cid, {"number": f"HT-{uuid.uuid4().hex[:8]}", "start_date": "2026-01-01",
                                                    "end_date": "2026-12-31", "services": ["bookkeeping", "tax_filing"],
                                                    "fee": "500.00", "billing_cycle": "monthly"}, context=ctx)
    rpc.clients("activate_contract", contract["id"], context=ctx)
    rpc.clients("reveal_legal_representative", cid, {"reason": "办理银行开户"}, context=ctx)
    rpc.clients("reveal_bank_account", cid, client["bank_accounts"][0]["id"], {}, context=ctx)

    expected = ["client_created", "client_updated", "client_updated", "client_status_changed", "assignment_changed",
                "contract_changed", "contract_changed", "sensitive_revealed", "sensitive_revealed"]
    tap.wait_for(lambda m: m["body"]["client_id"] == cid and m["body"]["sequence"] == len(expected))
    mine = sorted((m for m in tap.messages if m["body"]["client_id"] == cid), key=lambda m: m["body"]["sequence"])
    assert [m["body"]["event_type"] for m in mine] == expected
    assert [m["body"]["sequence"] for m in mine] == list(range(1, len(expected) + 1))  # one stream per client
    bodies = [check(m, m["body"]["event_type"], agency_a.id) for m in mine]

    created, renamed, contacts, paused, assigned, drafted, activated, revealed, revealed_account = (
        b["data"] for b in bodies)
    assert created["client"]["id"] == cid and created["client"]["credit_code"] == client["credit_code"]
    assert renamed["changed"] == ["legal_representative", "name", "taxpayer_type"]
    assert renamed["values"] == {"name": client["name"] + "二", "taxpayer_type": "general"}
    assert contacts == {"client_id": cid, "version": 3, "changed": ["contacts"], "values": {}}
    assert paused == {"client_id": cid, "from": "active", "to": "paused", "reason": "客户暂停营业", "version": 4,
                      "actor_id": agency_a.admin.id}
    assert assigned == {"client_id": cid, "role": "accountant", "before_user_id": None,
                        "after_user_id": agency_a.accountant.id, "actor_id": agency_a.admin.id}
    assert drafted["change"] == "created" and drafted["contract"]["status"] == "draft"
    assert activated["change"] == "activated" and activated["contract"]["fee"] == "500.00"
    assert revealed == {"client_id": cid, "field": "legal_representative.id_number", "actor_id": agency_a.admin.id,
                        "reason": "办理银行开户"}
    assert revealed_account["bank_account_id"] == client["bank_accounts"][0]["id"]

    # nothing personal anywhere in the messages, not even masked
    raw = "".join(m["raw"] if isinstance(m["raw"], str) else m["raw"].decode() for m in mine)
    for secret in (secret_id, secret_account, "11010519491231002X", secret_id[:4] + "*", "13800138000",
                   "13700137000", "lisi@example.cn", "张三", "王五"):
        assert secret not in raw, secret


def test_a_refused_create_publishes_nothing_and_a_new_client_starts_at_sequence_1(rpc, agency_a, event_tap):
    from servicekit.errors import Forbidden

    tap = event_tap("client_created")
    with pytest.raises(Forbidden):
        rpc.clients("create_client", client_payload(name="不应出现有限公司"), context=agency_a.accountant.context())
    ok = rpc.clients("create_client", client_payload(), context=agency_a.admin.context())
    tap.wait_for(lambda m: m["body"]["client_id"] == ok["id"])
    tap.drain(0.3)
    assert "不应出现有限公司" not in [m["body"]["data"]["client"]["name"] for m in tap.messages]
    body = check(next(m for m in tap.messages if m["body"]["client_id"] == ok["id"]), "client_created", agency_a.id)
    assert body["sequence"] == 1


def test_the_exchange_is_a_durable_topic_exchange(clients_platform):
    from urllib.parse import quote, unquote, urlparse

    import requests

    vhost = unquote(urlparse(AMQP).path[1:])
    resp = requests.get(f"http://127.0.0.1:15672/api/exchanges/{quote(vhost, safe='')}/{EVENTS_EXCHANGE}",
                        auth=("guest", "guest"), timeout=5)
    assert resp.status_code == 200, resp.text
    assert resp.json()["type"] == "topic" and resp.json()["durable"] is True
