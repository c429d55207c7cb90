"""period_balances and daily_balances: what posting adds to them.

One statement for both tables, whatever the number of lines: each table's sums come
as arrays, sorted by key (concurrent posts lock rows in the same order: no deadlock).
The sums are made in Python, one row per key."""
from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy import text

from servicekit.money import MAX_AMOUNT

from ..domain.amounts import balance_out_of_range, check_movements

ZERO = Decimal("0.00")

# A key whose new debit or credit sum would not fit NUMERIC(20,2) is left alone (the
# WHERE of DO UPDATE is domain.amounts.fits on held + movement) and so is missing from
# what the statement returns: the caller refuses the posting, and the transaction,
# with whatever the statement did write, rolls back.
ADD_TO_BALANCES = text(
    "WITH by_period AS ("
    " INSERT INTO period_balances AS b (book_id, agency_id, period, account_code, aux_key, debit, credit, line_count)"
    " SELECT CAST(:book_id AS uuid), CAST(:agency_id AS uuid), m.* FROM unnest(CAST(:p_when AS varchar[]),"
    " CAST(:p_code AS varchar[]), CAST(:p_aux AS varchar[]), CAST(:p_debit AS numeric[]),"
    " CAST(:p_credit AS numeric[]), CAST(:p_count AS int[])) AS m"
    " ON CONFLICT (book_id, period, account_code, aux_key) DO UPDATE SET debit = b.debit + excluded.debit,"
    " credit = b.credit + excluded.credit, line_count = b.line_count + excluded.line_count"
    " WHERE abs(b.debit + excluded.debit) < :limit AND abs(b.credit + excluded.credit) < :limit"
    " RETURNING b.account_code),"
    " by_day AS ("
    " INSERT INTO daily_balances AS d (book_id, agency_id, date, account_code, aux_key, debit, credit, line_count)"
    " SELECT CAST(:book_id AS uuid), CAST(:agency_id AS uuid), m.* FROM unnest(CAST(:d_when AS date[]),"
    " CAST(:d_code AS varchar[]), CAST(:d_aux AS varchar[]), CAST(:d_debit AS numeric[]),"
    " CAST(:d_credit AS numeric[]), CAST(:d_count AS int[])) AS m"
    " ON CONFLICT (book_id, account_code, date, aux_key) DO UPDATE SET debit = d.debit + excluded.debit,"
    " credit = d.credit + excluded.credit, line_count = d.line_count + excluded.line_count"
    " WHERE abs(d.debit + excluded.debit) < :limit AND abs(d.credit + excluded.credit) < :limit"
    " RETURNING d.account_code)"
    " SELECT account_code FROM by_period UNION ALL SELECT account_code FROM by_day")


def movements(lines, when):
    """{(period or date, account, aux_key): [debit, credit, count]} of posted lines."""
    sums = defaultdict(lambda: [ZERO, ZERO, 0])
    for line in lines:
        entry = sums[(getattr(line, when), line.account_code, line.aux_key)]
        entry[0] += line.debit
        entry[1] += line.credit
        entry[2] += 1
    return sums


def add_to_balances(session, book, lines):
    """Add posted `lines` (rows with period, date, account_code, aux_key, debit,
    credit) to the per-period and the per-day balances, in one statement; 409
    AMOUNT_OUT_OF_RANGE (domain/amounts.py) naming the accounts when a sum would not
    fit."""
    params = {"book_id": str(book.id), "agency_id": str(book.agency_id), "limit": MAX_AMOUNT}
    expected = Counter()
    for prefix, when in (("p", "period"), ("d", "date")):
        sums = movements(lines, when)
        check_movements(sums)
        keys = sorted(sums)
        expected.update(key[1] for key in keys)
        params.update({f"{prefix}_when": [key[0] for key in keys], f"{prefix}_code": [key[1] for key in keys],
                       f"{prefix}_aux": [key[2] for key in keys], f"{prefix}_debit": [sums[key][0] for key in keys],
                       f"{prefix}_credit": [sums[key][1] for key in keys],
                       f"{prefix}_count": [sums[key][2] for key in keys]})
    written = session.execute(ADD_TO_BALANCES, params).scalars().all()
    if len(written) != sum(expected.values()):
        raise balance_out_of_range(list(expected - Counter(written)))
