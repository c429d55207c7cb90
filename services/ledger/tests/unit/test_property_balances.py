"""Property: for any set of balanced vouchers on any leaves of a chart, in any
periods, the trial balance of any range balances, and every row equals a plain
recomputation from the lines (summed by code prefix, presented by sign)."""
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from services.ledger.domain import balances as b

CHART = [
    ("1001", "库存现金", 1, True), ("1002", "银行存款", 1, False), ("100201", "工行", 2, True),
    ("100202", "建行", 2, False), ("10020201", "建行基本户", 3, True), ("10020202", "建行一般户", 3, True),
    ("1122", "应收账款", 1, True), ("2202", "应付账款", 1, True), ("3001", "实收资本", 1, True),
    ("5001", "主营业务收入", 1, True), ("5602", "管理费用", 1, False), ("560201", "工资", 2, True),
    ("560202", "办公费", 2, True),
]
ACCOUNTS = [{"code": c, "name": n, "class": "资产", "direction": "debit", "level": lv, "is_leaf": leaf}
            for c, n, lv, leaf in CHART]
LEAVES = [c for c, _, _, leaf in CHART if leaf]
PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04"]

amounts = st.integers(min_value=1, max_value=10**9).map(lambda cents: Decimal(cents).scaleb(-2))


@st.composite
def vouchers(draw):
    """A voucher: a period and ≥ 2 lines whose debits equal their credits."""
    period = draw(st.sampled_from(PERIODS))
    debits = draw(st.lists(st.tuples(st.sampled_from(LEAVES), amounts), min_size=1, max_size=4))
    total = sum(a for _, a in debits)
    # split the total into 1-3 credit parts, each at least 0.01
    cents = int(total * 100)
    cuts = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=cents), max_size=2))) - {cents})
    parts = [Decimal(hi - lo).scaleb(-2) for lo, hi in zip([0] + cuts, cuts + [cents])]
    credits = [(draw(st.sampled_from(LEAVES)), part) for part in parts]
    return period, [(c, a, Decimal(0)) for c, a in debits] + [(c, Decimal(0), a) for c, a in credits]


@settings(max_examples=200, deadline=None)
@given(st.lists(vouchers(), max_size=25), st.sampled_from(PERIODS), st.sampled_from(PERIODS),
       st.lists(st.tuples(st.sampled_from(LEAVES), amounts), max_size=3))
def test_trial_balance_balances_and_matches_the_lines(entries, p1, p2, opening_pairs):
    start, end = min(p1, p2), max(p1, p2)
    # a balanced opening: each pair debits one leaf and credits 3001
    opening = {}
    for code, amount in opening_pairs:
        opening[code] = opening.get(code, 0) + amount
        opening["3001"] = opening.get("3001", 0) - amount

    # what the posting keeps: movements per period and leaf (period_balances)
    kept = {}
    for period, lines in entries:
        for code, debit, credit in lines:
            d, c = kept.get((period, code), (Decimal(0), Decimal(0)))
            kept[(period, code)] = (d + debit, c + credit)
    leaves = {}
    for code in set(opening) | {code for _, code in kept}:
        fig = b.Figures(opening=Decimal(opening.get(code, 0)))
        for (period, c), (d, cr) in kept.items():
            if c != code:
                continue
            if period < start:
                fig.opening += d - cr
            elif period <= end:
                fig.debit += d
                fig.credit += cr
        leaves[code] = fig
    tb = b.trial_balance(ACCOUNTS, leaves, include_zero=True)
    assert tb["balanced"]

    # the oracle: straight from the lines, summed by prefix
    for row in tb["rows"]:
        code = row["account"]
        before = sum((Decimal(v) for c, v in opening.items() if c.startswith(code)), Decimal(0))
        debit = credit = Decimal(0)
        for period, lines in entries:
            for c, d, cr in lines:
                if not c.startswith(code):
                    continue
                if period < start:
                    before += d - cr
                elif period <= end:
                    debit += d
                    credit += cr
        closing = before + debit - credit
        assert row["period_debit"] == debit and row["period_credit"] == credit
        assert row["opening_debit"] - row["opening_credit"] == before
        assert row["closing_debit"] - row["closing_credit"] == closing
        assert min(row["opening_debit"], row["opening_credit"]) == 0
        assert min(row["closing_debit"], row["closing_credit"]) == 0
    firsts = [r for r in tb["rows"] if r["level"] == 1]
    for key in b.SIX:
        assert tb["totals"][key] == sum((r[key] for r in firsts), Decimal(0))
