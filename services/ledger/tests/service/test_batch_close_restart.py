"""批量结账 survives its worker dying: the ledger process is killed (SIGKILL) in the
middle of a job; once a ledger process runs again it takes the job over (its
heartbeat went stale) and closes the remaining books, none twice."""
import time
import uuid

import pytest
from sqlalchemy import text

from .conftest import make_agency
from .test_reports_kit import line, open_book


@pytest.fixture
def slow_ledger(ledger_platform):
    """Ledger restarted with one book at a time and a short stale time; restored after."""
    saved = dict(ledger_platform.extra_env)

    def restart(**env):
        ledger_platform.stop("ledger")
        ledger_platform.extra_env = {**saved, **env}
        ledger_platform.start("ledger")
        ledger_platform.wait_ready("ledger", timeout=60)

    restart(BATCH_CLOSE_CONCURRENCY="1", BATCH_CLOSE_STALE_SECONDS="2")
    yield ledger_platform
    ledger_platform.kill("ledger")
    ledger_platform.extra_env = saved
    ledger_platform.start("ledger")
    ledger_platform.wait_ready("ledger", timeout=60)


def test_a_killed_worker_job_is_resumed(rpc, people, new_book, slow_ledger, ledger_db):
    agency = make_agency(people, f"铜川{uuid.uuid4().hex[:4]}财税")
    count = 60
    for _ in range(count):
        book, _ = open_book(rpc, new_book, agency.admin)
        book.voucher("2026-01-08", line("1002", debit="300.00"), line("3001", credit="300.00"))
    job = rpc.ledger("start_batch_close", {"period": "2026-01"}, context=agency.admin.context())
    assert job["total"] == count
    deadline = time.monotonic() + 30
    while True:
        progress = rpc.ledger("get_job", job["id"], context=agency.admin.context())
        if progress["status"] == "running" and progress["done"] >= 1:
            break
        assert time.monotonic() < deadline, progress
        time.sleep(0.02)
    slow_ledger.kill("ledger")
    at_kill = ledger_db.connect()
    try:
        row = at_kill.execute(text("SELECT status, (SELECT count(*) FROM job_items WHERE job_id = :id AND "
                                   "status = 'pending') AS pending FROM jobs WHERE id = :id"), {"id": job["id"]}).one()
    finally:
        at_kill.close()
    assert row.status == "running" and row.pending > 0, "the job must be cut off half way for this test"

    slow_ledger.start("ledger")
    slow_ledger.wait_ready("ledger", timeout=60)
    deadline = time.monotonic() + 60
    while True:
        final = rpc.ledger("get_job", job["id"], context=agency.admin.context())
        if final["status"] == "done":
            break
        assert time.monotonic() < deadline, final
        time.sleep(0.3)
    assert (final["done"], final["failed"]) == (count, 0)
    with ledger_db.connect() as conn:
        closes = conn.execute(text("""
            SELECT count(*) FROM period_log l JOIN job_items i ON i.book_id = l.book_id
            WHERE i.job_id = :id AND l.period = '2026-01' AND l.action = 'closed'"""), {"id": job["id"]}).scalar()
    assert closes == count  # each book closed exactly once
