"""Amounts against NUMERIC(20,2) (domain/amounts.py), without a database: a voucher's
total and what posting adds to a balance are refused before they are written."""
from decimal import Decimal

import pytest

from services.ledger.domain.amounts import check_movements, check_total, fits
from services.ledger.domain.vouchers import AccountInfo, AuxLookup, check_lines
from servicekit.errors import BadRequest, Conflict

BIGGEST = Decimal("999999999999999999.99")
ACCOUNTS = {code: AccountInfo(code, name) for code, name in
            (("1001", "库存现金"), ("1002", "银行存款"), ("3001", "实收资本"), ("2202", "应付账款"))}


def test_fits_the_column():
    assert fits(BIGGEST) and fits(-BIGGEST) and fits(Decimal(0))
    assert not fits(BIGGEST + Decimal("0.01"))
    assert not fits(-BIGGEST - Decimal("0.01"))


def test_a_total_that_fits_passes():
    check_total(BIGGEST, BIGGEST)


def test_a_total_that_does_not_fit_is_refused_naming_the_field():
    with pytest.raises(BadRequest) as raised:
        check_total(BIGGEST * 2, BIGGEST * 2)
    error = raised.value
    assert (error.code, error.status) == ("AMOUNT_OUT_OF_RANGE", 400)
    assert error.details["field"] == "total"
    assert error.message and error.message_en


def test_voucher_lines_each_in_range_but_summing_past_it_are_refused():
    lines = [{"account": "1001", "debit": BIGGEST}, {"account": "1002", "debit": BIGGEST},
             {"account": "3001", "credit": BIGGEST}, {"account": "2202", "credit": BIGGEST}]
    with pytest.raises(BadRequest) as raised:
        check_lines(lines, ACCOUNTS, AuxLookup())
    assert raised.value.code == "AMOUNT_OUT_OF_RANGE"


def test_the_largest_voucher_that_fits_is_accepted():
    lines = [{"account": "1001", "debit": BIGGEST}, {"account": "3001", "credit": BIGGEST}]
    _lines, total = check_lines(lines, ACCOUNTS, AuxLookup())
    assert total == BIGGEST


def test_a_movement_that_does_not_fit_names_the_account():
    sums = {("2026-01", "1001", ""): (BIGGEST, Decimal(0), 1), ("2026-01", "1002", ""): (BIGGEST + 1, Decimal(0), 2)}
    with pytest.raises(Conflict) as raised:
        check_movements(sums)
    error = raised.value
    assert (error.code, error.status) == ("AMOUNT_OUT_OF_RANGE", 409)
    assert error.details["accounts"] == ["1002"]
    assert error.details["field"] == "balance"


def test_movements_that_fit_pass():
    check_movements({("2026-01", "1001", ""): (BIGGEST, -BIGGEST, 3)})
