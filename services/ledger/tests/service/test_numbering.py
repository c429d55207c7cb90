"""Gap-free numbering under concurrency: many writers at once, numbers 1..N with no
gap and no duplicate, in every (period, word)."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from servicekit.errors import AppError

from .conftest import voucher_payload

THREADS, EACH = 20, 10


def test_concurrent_creates_number_without_gaps(rpc, agency_a, new_book, ledger_db):
    client, book = new_book(agency_a.admin, voucher_words=["记", "收"])
    cid, ctx = client["id"], agency_a.supervisor.context()

    def writer(n):
        numbers = []
        with rpc.proxy("ledger", ctx) as ledger:
            for i in range(EACH):
                word = "收" if (n + i) % 4 == 0 else "记"
                day = "2026-02-10" if i % 3 == 0 else "2026-01-10"
                made = ledger.create_voucher(cid, voucher_payload(day=day, word=word, amount=f"{n + 1}.{i:02d}"))
                numbers.append((made["period"], made["word"], made["number"]))
        return numbers

    with ThreadPoolExecutor(THREADS) as pool:
        results = [number for chunk in pool.map(writer, range(THREADS)) for number in chunk]
    assert len(results) == THREADS * EACH
    by_key = {}
    for period, word, number in results:
        by_key.setdefault((period, word), []).append(number)
    for key, numbers in by_key.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), key  # no gap, no duplicate
    with ledger_db.connect() as conn:
        stored = conn.execute(text("SELECT period, word, count(*), max(number), count(DISTINCT number) FROM vouchers "
                                   "WHERE book_id = :b GROUP BY period, word"), {"b": book["id"]}).all()
        counters = dict(((p, w), n) for p, w, n in conn.execute(text(
            "SELECT period, word, last_number FROM voucher_counters WHERE book_id = :b"), {"b": book["id"]}))
        sequences = conn.execute(text("SELECT sequence FROM outbox WHERE aggregate_id = :b ORDER BY sequence"),
                                 {"b": book["id"]}).scalars().all()
    for period, word, count, highest, distinct in stored:
        assert count == highest == distinct == counters[(period, word)] == len(by_key[(period, word)])
    assert sequences == list(range(1, THREADS * EACH + 2))  # book_created + one per voucher, gap-free


def test_a_failed_create_gives_its_number_back(rpc, agency_a, new_book):
    client, _ = new_book(agency_a.admin)
    cid, ctx = client["id"], agency_a.supervisor.context()
    assert rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)["number"] == 1
    with pytest.raises(AppError) as caught:
        rpc.ledger("create_voucher", cid, voucher_payload(debit="1009"), context=ctx)
    assert caught.value.code == "ACCOUNT_UNKNOWN"
    assert rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)["number"] == 2
