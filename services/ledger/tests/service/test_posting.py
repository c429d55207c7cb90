"""Posting over real RPC: batches all-or-nothing, the opening balance gate, balances
per (period, account, aux item), and the batch speed target (10,000 vouchers)."""
import time
from decimal import Decimal

import pytest
from sqlalchemy import text

from servicekit.errors import AppError

from .conftest import line, voucher_payload


def refused(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def balances(ledger_db, book_id):
    with ledger_db.connect() as conn:
        return {(row.period, row.account_code, row.aux_key): (str(row.debit), str(row.credit)) for row in conn.execute(
            text("SELECT * FROM period_balances WHERE book_id = :b"), {"b": book_id})}


def statuses(ledger_db, book_id):
    with ledger_db.connect() as conn:
        return dict(conn.execute(text("SELECT status, count(*) FROM vouchers WHERE book_id = :b GROUP BY status"),
                                 {"b": book_id}).all())


def test_batch_review_and_post_are_all_or_nothing(rpc, agency_a, new_book, ledger_db):
    client, book = new_book(agency_a.admin)
    cid, acc, sup = client["id"], agency_a.supervisor.context(), agency_a.admin.context()
    made = rpc.ledger("create_vouchers", cid, {"vouchers": [
        voucher_payload(day="2026-01-05", amount="10.00"), voucher_payload(day="2026-01-06", amount="20.00"),
        voucher_payload(day="2026-02-01", amount="30.00", debit="1002")]}, context=acc)
    assert made["count"] == 3 and [v["number"] for v in made["items"]] == [1, 2, 1]
    assert all(v["source"] == "batch" and "lines" not in v for v in made["items"])
    ids = [v["id"] for v in made["items"]]

    # posting drafts: refused as a whole, naming them
    error = refused(rpc.ledger, "post_vouchers", cid, {"ids": ids}, context=sup)
    assert (error.code, error.status) == ("VOUCHER_STATUS", 409) and len(error.details["vouchers"]) == 3
    # one already reviewed: the batch review is refused and nothing changes
    rpc.ledger("review_voucher", cid, ids[0], context=sup)
    error = refused(rpc.ledger, "review_vouchers", cid, {"ids": ids}, context=sup)
    assert error.code == "VOUCHER_STATUS" and [v["voucher_id"] for v in error.details["vouchers"]] == [ids[0]]
    assert statuses(ledger_db, book["id"]) == {"draft": 2, "reviewed": 1}
    # the creator cannot review their own in a batch either
    error = refused(rpc.ledger, "review_vouchers", cid, {"ids": ids[1:]}, context=acc)
    assert (error.code, error.status) == ("SELF_REVIEW_FORBIDDEN", 403)
    # an unknown id: nothing done
    error = refused(rpc.ledger, "review_vouchers", cid, {"ids": ids[1:] + ["8d0f2b6e-1111-4c4c-9c9c-000000000000"]},
                    context=sup)
    assert (error.code, error.status) == ("VOUCHER_NOT_FOUND", 404)
    assert statuses(ledger_db, book["id"]) == {"draft": 2, "reviewed": 1}

    assert rpc.ledger("review_vouchers", cid, {"period": "2026-01"}, context=sup)["count"] == 1
    assert rpc.ledger("review_vouchers", cid, {"ids": [ids[2]]}, context=sup)["count"] == 1
    assert rpc.ledger("post_vouchers", cid, {"period": "2026-01"}, context=sup)["count"] == 2
    assert statuses(ledger_db, book["id"]) == {"posted": 2, "reviewed": 1}
    assert rpc.ledger("post_vouchers", cid, {"ids": [ids[2]]}, context=sup)["count"] == 1
    assert balances(ledger_db, book["id"]) == {
        ("2026-01", "1001", ""): ("30.00", "0.00"), ("2026-01", "3001", ""): ("0.00", "30.00"),
        ("2026-02", "1002", ""): ("30.00", "0.00"), ("2026-02", "3001", ""): ("0.00", "30.00")}
    with ledger_db.connect() as conn:
        sequences = conn.execute(text("SELECT posted_sequence FROM vouchers WHERE book_id = :b ORDER BY "
                                      "posted_sequence"), {"b": book["id"]}).scalars().all()
        events = dict(conn.execute(text("SELECT sequence, event_type FROM outbox WHERE aggregate_id = :b"),
                                   {"b": book["id"]}).all())
    assert all(events[s] == "voucher_posted" for s in sequences) and len(set(sequences)) == 3
    assert rpc.ledger("review_vouchers", cid, {"period": "2026-03"}, context=sup) == {"count": 0, "ids": []}
    error = refused(rpc.ledger, "post_vouchers", cid, {"ids": ids, "period": "2026-01"}, context=sup)
    assert error.code == "VALIDATION_FAILED"


def test_opening_balances_gate_posting(rpc, agency_a, new_book, ledger_db):
    client, book = new_book(agency_a.admin)
    cid, ctx, sup = client["id"], agency_a.admin.context(), agency_a.supervisor.context()
    rpc.ledger("update_account", cid, "1122", {"auxiliary": ["customer"]}, context=ctx)
    customer = rpc.ledger("add_aux_item", cid, {"kind": "customer", "code": "C1", "name": "甲"}, context=ctx)
    result = rpc.ledger("set_opening_balances", cid, {"items": [
        {"account": "1001", "debit": "5000.00"}, {"account": "1122", "aux_item": "C1", "debit": "3000.00"},
        {"account": "3001", "credit": "7000.00"}]}, context=ctx)
    assert result["check"] == {"debit": "8000.00", "credit": "7000.00", "balanced": False}
    assert result["items"][1]["aux_item"]["id"] == customer["id"]
    assert rpc.ledger("get_book", cid, context=ctx)["opening_balanced"] is False

    voucher = rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)  # entry is fine
    rpc.ledger("review_voucher", cid, voucher["id"], context=sup)
    error = refused(rpc.ledger, "post_voucher", cid, voucher["id"], context=sup)
    assert (error.code, error.status) == ("OPENING_UNBALANCED", 409)
    error = refused(rpc.ledger, "post_vouchers", cid, {"period": "2026-01"}, context=sup)
    assert error.code == "OPENING_UNBALANCED"
    assert balances(ledger_db, book["id"]) == {}

    fixed = rpc.ledger("set_opening_balances", cid, {"items": [
        {"account": "1001", "debit": "5000.00"}, {"account": "1122", "aux_item": customer["id"], "debit": "3000.00"},
        {"account": "3001", "credit": "8000.00"}]}, context=ctx)
    assert fixed["check"]["balanced"] is True
    assert rpc.ledger("get_opening_balances", cid, context=sup) == fixed
    rpc.ledger("post_voucher", cid, voucher["id"], context=sup)
    # once the start period has a posted voucher the opening balances are history
    error = refused(rpc.ledger, "set_opening_balances", cid, {"items": []}, context=ctx)
    assert (error.code, error.status) == ("OPENING_LOCKED", 409)


BAD_OPENINGS = [
    ({"items": [{"account": "1009", "debit": "1.00"}]}, "ACCOUNT_UNKNOWN"),
    ({"items": [{"account": "1122", "debit": "1.00"}]}, "AUX_ITEM_REQUIRED"),
    ({"items": [{"account": "1001", "debit": "1.00", "credit": "1.00"}]}, "AMOUNT_INVALID"),
    ({"items": [{"account": "1001", "debit": "-1.00"}]}, "VALIDATION_FAILED"),
    ({"items": [{"account": "1001", "debit": "1.00"}, {"account": "1001", "debit": "2.00"}]}, "VALIDATION_FAILED"),
    ({"items": [{"account": "1001", "debit": 1.5}]}, "VALIDATION_FAILED"),
    ({}, "VALIDATION_FAILED"),
]


@pytest.mark.parametrize("payload,code", BAD_OPENINGS)
def test_bad_opening_balances(rpc, agency_a, new_book, ledger_db, payload, code):
    client, book = new_book(agency_a.admin)
    cid, ctx = client["id"], agency_a.admin.context()
    rpc.ledger("update_account", cid, "1122", {"auxiliary": ["customer"]}, context=ctx)
    rpc.ledger("set_opening_balances", cid, {"items": [{"account": "1001", "debit": "9.00"},
                                                       {"account": "3001", "credit": "9.00"}]}, context=ctx)
    error = refused(rpc.ledger, "set_opening_balances", cid, payload, context=ctx)
    assert (error.code, error.status) == (code, 400)
    assert rpc.ledger("get_opening_balances", cid, context=ctx)["check"] == {"debit": "9.00", "credit": "9.00",
                                                                              "balanced": True}


@pytest.mark.bulk
def test_ten_thousand_vouchers_through_the_batch_api(rpc, agency_a, new_book, ledger_db):
    """10,000 vouchers (40,000 lines) created, reviewed and posted in three calls, ≤ 15 s."""
    client, book = new_book(agency_a.admin)
    cid, acc, sup = client["id"], agency_a.supervisor.context(), agency_a.admin.context()
    vouchers = [{"date": f"2026-01-{1 + n % 28:02d}", "lines": [
        line("1002" if n % 2 else "1001", debit=f"{100 + n % 900}.{n % 100:02d}", summary=f"销售{n}"),
        line("5001", credit=f"{100 + n % 900}.{n % 100:02d}"),
        line("5602", debit="1.00"), line("2221", credit="1.00")]} for n in range(10000)]
    started = time.monotonic()
    made = rpc.ledger("create_vouchers", cid, {"vouchers": vouchers}, context=acc, timeout=120)
    created = time.monotonic()
    reviewed = rpc.ledger("review_vouchers", cid, {"period": "2026-01"}, context=sup, timeout=120)
    posted = rpc.ledger("post_vouchers", cid, {"period": "2026-01"}, context=sup, timeout=120)
    elapsed = time.monotonic() - started
    print(f"\n10,000 vouchers: create {created - started:.1f}s, all three calls {elapsed:.1f}s")
    assert made["count"] == reviewed["count"] == posted["count"] == 10000
    assert sorted(v["number"] for v in made["items"]) == list(range(1, 10001))
    assert elapsed <= 15, f"took {elapsed:.1f}s"
    expected_sales = sum(Decimal(f"{100 + n % 900}.{n % 100:02d}") for n in range(10000))
    found = balances(ledger_db, book["id"])
    assert found[("2026-01", "5001", "")] == ("0.00", str(expected_sales))
    assert found[("2026-01", "5602", "")] == ("10000.00", "0.00")
    with ledger_db.connect() as conn:
        lines_posted = conn.execute(text("SELECT count(*) FILTER (WHERE posted), count(*) FROM voucher_lines "
                                         "WHERE book_id = :b"), {"b": book["id"]}).one()
    assert tuple(lines_posted) == (40000, 40000)
