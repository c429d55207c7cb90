"""ledger.events as an outside subscriber sees them: a plain kombu consumer, every
event checked against the JSON Schema published for it in docs/events.md, one gap-free
sequence per book, and the posted-entries export agreeing with voucher_posted."""
import json
import re
import uuid
from datetime import datetime
from pathlib import Path

import jsonschema

from .conftest import EVENTS_EXCHANGE, line, voucher_payload

DOC = Path(__file__).resolve().parents[4] / "docs" / "events.md"
ENVELOPE = {"event_id", "event_type", "schema_version", "occurred_at", "agency_id", "client_id", "aggregate_type",
            "aggregate_id", "sequence", "service", "data"}


def documented_schemas():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## ledger events (`ledger.events`)"):]
    return {name: json.loads(body) for name, body in
            re.findall(r"### `(\w+)` \(aggregate `book`\).*?```json\n(.*?)```", section, re.S)}


SCHEMAS = documented_schemas()


def test_every_event_type_is_documented_with_a_valid_schema():
    assert set(SCHEMAS) == {"book_created", "voucher_created", "voucher_updated", "voucher_deleted",
                            "voucher_reviewed", "voucher_unreviewed", "voucher_posted", "voucher_reversed",
                            "vouchers_renumbered", "period_closed", "period_reopened"}
    for schema in SCHEMAS.values():
        jsonschema.Draft7Validator.check_schema(schema)


def check(message, agency_id, client_id, book_id):
    body = message["body"]
    assert set(body) == ENVELOPE, body
    assert body["event_type"] == message["routing_key"] and message["exchange"] == EVENTS_EXCHANGE
    assert message["content_type"] == "application/json" and message["properties"].get("delivery_mode") == 2
    assert message["headers"].get("event_id") == body["event_id"]
    uuid.UUID(body["event_id"])
    assert datetime.fromisoformat(body["occurred_at"].replace("Z", "+00:00")).tzinfo is not None
    assert (body["service"], body["agency_id"], body["client_id"]) == ("ledger", agency_id, client_id)
    assert (body["aggregate_type"], body["aggregate_id"]) == ("book", book_id)
    jsonschema.validate(body["data"], SCHEMAS[body["event_type"]], format_checker=jsonschema.FormatChecker())
    return body


def test_a_books_life_as_events(rpc, agency_a, new_client, event_tap):
    tap = event_tap("#")
    admin, sup = agency_a.admin.context(), agency_a.supervisor.context()
    client = new_client(agency_a.admin)
    cid = client["id"]
    book = rpc.ledger("create_book", cid, {"standard": "small_business_2013", "start_period": "2026-01"},
                      context=admin)
    rpc.ledger("add_account", cid, {"parent_code": "1122", "name": "货款", "auxiliary": ["customer"]}, context=admin)
    customer = rpc.ledger("add_aux_item", cid, {"kind": "customer", "code": "C01", "name": "西安甲公司"},
                          context=admin)
    sale = rpc.ledger("create_voucher", cid, {"date": "2026-01-10", "attachments": 1, "lines": [
        line("112201", debit="1130.00", aux_item="C01", summary="销售"), line("5001", credit="1000.00"),
        line("2221", credit="130.00", quantity="2.5", unit_price="400")]}, context=admin)
    spare = rpc.ledger("create_voucher", cid, voucher_payload(day="2026-01-11"), context=admin)
    third = rpc.ledger("create_voucher", cid, voucher_payload(day="2026-01-12"), context=admin)
    rpc.ledger("update_voucher", cid, sale["id"], {"version": 1, "attachments": 2}, context=admin)
    rpc.ledger("review_voucher", cid, sale["id"], context=sup)
    rpc.ledger("unreview_voucher", cid, sale["id"], context=sup)
    rpc.ledger("review_voucher", cid, sale["id"], context=sup)
    posted = rpc.ledger("post_voucher", cid, sale["id"], context=sup)
    red = rpc.ledger("reverse_voucher", cid, sale["id"], {"date": "2026-01-20"}, context=admin)
    rpc.ledger("delete_voucher", cid, spare["id"], context=admin)
    rpc.ledger("renumber_vouchers", cid, {"period": "2026-01"}, context=sup)
    for voucher in (red, third):
        rpc.ledger("review_voucher", cid, voucher["id"], context=sup)
        rpc.ledger("post_voucher", cid, voucher["id"], context=sup)
    rpc.ledger("close_period", cid, "2026-01", context=sup)
    rpc.ledger("reopen_period", cid, "2026-01", context=sup)

    expected = ["book_created", "voucher_created", "voucher_created", "voucher_created", "voucher_updated",
                "voucher_reviewed", "voucher_unreviewed", "voucher_reviewed", "voucher_posted", "voucher_created",
                "voucher_reversed", "voucher_deleted", "vouchers_renumbered", "voucher_reviewed", "voucher_posted",
                "voucher_reviewed", "voucher_posted", "period_closed", "period_reopened"]
    # generous: the relay may still be publishing a big batch from another test (tens of thousands of events)
    tap.wait_for(lambda m: m["body"]["aggregate_id"] == book["id"] and m["body"]["sequence"] == len(expected),
                 timeout=120)
    mine = [m for m in tap.messages if m["body"]["aggregate_id"] == book["id"]]
    mine.sort(key=lambda m: m["body"]["sequence"])
    assert [m["body"]["event_type"] for m in mine] == expected
    assert [m["body"]["sequence"] for m in mine] == list(range(1, len(expected) + 1))
    bodies = [check(m, agency_a.id, cid, book["id"]) for m in mine]

    sale_posted = bodies[8]["data"]["voucher"]
    assert sale_posted["id"] == sale["id"] and sale_posted["status"] == "posted"
    assert sale_posted["lines"][0] == {"line_no": 1, "summary": "销售", "account": "112201", "account_name": "货款",
                                       "debit": "1130.00", "credit": None, "aux_item": {
                                           "id": customer["id"], "kind": "customer", "code": "C01",
                                           "name": "西安甲公司"}, "quantity": None, "unit_price": None}
    assert sale_posted["lines"][2]["quantity"] == "2.5" and sale_posted["lines"][2]["unit_price"] == "400"
    assert bodies[8]["sequence"] == posted["posted_sequence"]
    red_posted = bodies[14]["data"]["voucher"]
    assert red_posted["reversal_of"] == sale["id"] and red_posted["total"] == "-1130.00"
    assert [l["debit"] or l["credit"] for l in red_posted["lines"]] == ["-1130.00", "-1000.00", "-130.00"]
    assert bodies[10]["data"]["reversal"]["id"] == red["id"]
    # 整理凭证: sale 1 stays (posted), spare 2 was deleted: third 3 -> 2, the reversal 4 -> 3
    assert bodies[12]["data"] == {"period": "2026-01", "word": "记", "changes": [
        {"voucher_id": third["id"], "from": 3, "to": 2}, {"voucher_id": red["id"], "from": 4, "to": 3}]}
    assert red_posted["number"] == 3
    assert bodies[0]["data"]["book"]["id"] == book["id"]

    # the export agrees with the events, and pages on from a sequence
    export = rpc.ledger("posted_entries", cid, {"after_sequence": 0, "limit": 1}, context=sup)
    assert [v["id"] for v in export["items"]] == [sale["id"]] and export["last_sequence"] == bodies[8]["sequence"]
    rest = rpc.ledger("posted_entries", cid, {"after_sequence": export["last_sequence"]}, context=sup)
    assert [(v["id"], v["posted_sequence"]) for v in rest["items"]] == [(red["id"], bodies[14]["sequence"]),
                                                                         (third["id"], bodies[16]["sequence"])]
    assert rest["items"][0]["lines"] == red_posted["lines"]
    done = rpc.ledger("posted_entries", cid, {"after_sequence": rest["last_sequence"]}, context=sup)
    assert done["items"] == [] and done["last_sequence"] == rest["last_sequence"]
