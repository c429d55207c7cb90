"""Property, over real RPC: random balanced vouchers (random accounts of the chart,
random 2-decimal amounts, random periods) are entered and posted through the ledger's
RPC; the trial balance of any range then always balances and equals a recomputation
from those lines in Python, and the detail ledger's closing equals the trial
balance's for every account."""
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import book_payload, client_payload
from .test_reports_kit import Ledger, net_of, signed

D = Decimal
LEAVES = ["1001", "1002", "1122", "2202", "2221", "3001", "5001", "5401", "5602"]
PERIODS = ["2026-01", "2026-02", "2026-03"]
amounts = st.integers(min_value=1, max_value=10**10).map(lambda cents: D(cents).scaleb(-2))


@st.composite
def voucher(draw):
    period = draw(st.sampled_from(PERIODS))
    debits = draw(st.lists(st.tuples(st.sampled_from(LEAVES), amounts), min_size=1, max_size=3))
    cents = int(sum(a for _, a in debits) * 100)
    cuts = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=cents), max_size=2))) - {cents})
    credits = [(draw(st.sampled_from(LEAVES)), D(hi - lo).scaleb(-2)) for lo, hi in zip([0] + cuts, cuts + [cents])]
    day = f"{period}-{draw(st.integers(min_value=1, max_value=28)):02d}"
    lines = [{"summary": "随机", "account": c, "debit": str(a)} for c, a in debits] + \
            [{"summary": "随机", "account": c, "credit": str(a)} for c, a in credits]
    return day, lines


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(entries=st.lists(voucher(), min_size=1, max_size=8), bounds=st.tuples(st.sampled_from(PERIODS),
                                                                              st.sampled_from(PERIODS)))
def test_posted_vouchers_always_give_a_balanced_trial_balance(rpc, agency_a, entries, bounds):
    admin = agency_a.admin
    client = rpc.clients("create_client", client_payload(), context=admin.context())
    rpc.ledger("create_book", client["id"], book_payload(allow_self_review=True), context=admin.context())
    book = Ledger(rpc, admin, client["id"])
    book("create_vouchers", {"vouchers": [{"date": day, "lines": lines} for day, lines in entries]})
    for period in sorted({day[:7] for day, _ in entries}):
        book.post_period(period)
    start, end = min(bounds), max(bounds)

    report = book("trial_balance", {"from": start, "to": end})
    assert report["balanced"] is True
    expected = {}
    for day, lines in entries:
        for ln in lines:
            fig = expected.setdefault(ln["account"], [D(0), D(0), D(0)])
            d, c = D(ln.get("debit", 0)), D(ln.get("credit", 0))
            if day[:7] < start:
                fig[0] += d - c
            elif day[:7] <= end:
                fig[1] += d
                fig[2] += c
    rows = {r["account"]: r for r in report["rows"]}
    assert set(rows) == {code for code, fig in expected.items() if any(fig)}
    for code, (opening, debit, credit) in expected.items():
        if not any((opening, debit, credit)):
            continue
        row = rows[code]
        assert net_of(row, "opening") == opening
        assert (D(row["period_debit"]), D(row["period_credit"])) == (debit, credit)
        assert net_of(row, "closing") == opening + debit - credit
        detail = book("detail_ledger", {"account": code, "from": start, "to": end, "page_size": "1000"})
        assert signed(detail["closing"]) == net_of(row, "closing")
        if detail["items"]:
            assert signed(detail["items"][-1]) == net_of(row, "closing")
