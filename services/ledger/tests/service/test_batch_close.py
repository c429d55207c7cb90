"""批量结账 over real RPC: a background job, its progress and its per-book results."""
import time
import uuid

import pytest

from servicekit.errors import AppError

from .conftest import make_agency
from .test_reports_kit import line, open_book


def error_of(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def wait_done(rpc, actor, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        job = rpc.ledger("get_job", job_id, context=actor.context())
        seen.append((job["status"], job["done"] + job["failed"]))
        if job["status"] == "done":
            return job, seen
        assert time.monotonic() < deadline, f"job not done in {timeout}s: {job}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def agency_x(people):
    return make_agency(people, f"渭南{uuid.uuid4().hex[:4]}财税")


def test_batch_close_closes_ready_books_and_reports_the_others(rpc, new_book, agency_x, agency_b):
    admin = agency_x.admin
    ready = []
    for _ in range(3):
        book, _ = open_book(rpc, new_book, admin)
        book.voucher("2026-01-08", line("1002", debit="300.00"), line("3001", credit="300.00"))
        ready.append(book)
    unposted, _ = open_book(rpc, new_book, admin)
    unposted.voucher("2026-01-09", line("1002", debit="1.00"), line("3001", credit="1.00"), post=False)
    not_carried, _ = open_book(rpc, new_book, admin)
    not_carried.voucher("2026-01-09", line("1002", debit="50.00"), line("5001", credit="50.00"))

    err = error_of(rpc.ledger, "start_batch_close", {"period": "2026-01"}, context=agency_x.accountant.context())
    assert (err.code, err.status) == ("FORBIDDEN", 403)
    err = error_of(rpc.ledger, "start_batch_close", {"period": "26-01"}, context=admin.context())
    assert (err.code, err.status) == ("VALIDATION_FAILED", 400)

    started = rpc.ledger("start_batch_close", {"period": "2026-01"}, context=agency_x.supervisor.context())
    assert started["status"] in ("queued", "running") and started["total"] == 5
    job, _ = wait_done(rpc, agency_x.supervisor, started["id"])
    assert (job["total"], job["done"], job["failed"], job["pending"]) == (5, 3, 2, 0)
    items = {i["client_id"]: i for i in job["items"]}
    for book in ready:
        assert items[book.client_id]["status"] == "done"
        assert items[book.client_id]["result"]["status"] == "closed"
        periods = {p["period"]: p for p in book("list_periods")["items"]}
        assert periods["2026-01"]["status"] == "closed"
        assert periods["2026-01"]["closed_by"] == agency_x.supervisor.id
    failed = items[unposted.client_id]
    assert failed["status"] == "failed" and failed["result"]["code"] == "CLOSE_CHECK_FAILED"
    assert {c["code"] for c in failed["result"]["details"]["checks"]} == {"VOUCHERS_UNPOSTED"}
    assert {c["code"] for c in items[not_carried.client_id]["result"]["details"]["checks"]} == {
        "PROFIT_LOSS_NOT_CARRIED"}
    assert {p["period"]: p["status"] for p in unposted("list_periods")["items"]}["2026-01"] == "open"

    # another agency sees neither the job nor the books
    err = error_of(rpc.ledger, "get_job", started["id"], context=agency_b.admin.context())
    assert (err.code, err.status) == ("JOB_NOT_FOUND", 404)
    theirs = rpc.ledger("start_batch_close", {"period": "2026-01", "client_ids": [ready[0].client_id]},
                        context=agency_b.admin.context())
    assert theirs["total"] == 0 and theirs["status"] == "done"
    assert theirs["params"]["not_found"] == [ready[0].client_id]

    # run again for the rest: the closed ones now fail with PERIOD_CLOSED, and only the named ones run
    again = rpc.ledger("start_batch_close", {"period": "2026-01", "client_ids": [ready[0].client_id,
                                                                                unposted.client_id]},
                       context=admin.context())
    job, _ = wait_done(rpc, admin, again["id"])
    assert job["total"] == 2
    codes = {i["client_id"]: i["result"]["code"] for i in job["items"]}
    assert codes == {ready[0].client_id: "PERIOD_CLOSED", unposted.client_id: "CLOSE_CHECK_FAILED"}
