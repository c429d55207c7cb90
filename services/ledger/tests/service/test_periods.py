"""Period end over real RPC: 结转损益, 计提, close checks, close, reopen, the events."""
from decimal import Decimal

import pytest

from servicekit.errors import AppError

from .test_reports_kit import line, net_of, open_book

D = Decimal


def error_of(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def rows_of(book, period):
    return {r["account"]: r for r in book("trial_balance", {"period": period})["rows"]}


def pl_accounts(rows):
    return {code: r for code, r in rows.items() if r["class"] == "损益"}


def sales_month(book, month="01"):
    """Revenue 10,000 and costs 6,000 + 1,234.56: a profit of 2,765.44."""
    book.voucher(f"2026-{month}-05", line("1002", debit="10000.00"), line("5001", credit="10000.00"))
    book.voucher(f"2026-{month}-10", line("5401", debit="6000.00"), line("1002", credit="6000.00"))
    book.voucher(f"2026-{month}-12", line("5602", debit="1234.56"), line("1001", credit="1234.56"))


def test_carry_forward_moves_profit_and_loss_to_this_years_profit(rpc, new_book, agency_a, event_tap):
    book, _ = open_book(rpc, new_book, agency_a.admin)
    sales_month(book)
    draft = book.voucher("2026-01-20", line("5602", debit="10.00"), line("1001", credit="10.00"), post=False)
    err = error_of(book, "carry_forward", "2026-01")
    assert (err.code, err.status) == ("VOUCHERS_UNPOSTED", 409) and err.details["vouchers"][0]["id"] == draft["id"]
    book("delete_voucher", draft["id"])

    done = book("carry_forward", "2026-01")
    assert done["carried"] is True and len(done["vouchers"]) == 1
    voucher = done["vouchers"][0]
    assert (voucher["source"], voucher["status"], voucher["word"], voucher["date"]) == (
        "carry_forward", "posted", "记", "2026-01-31")
    assert sum(D(l["debit"] or 0) for l in voucher["lines"]) == sum(D(l["credit"] or 0) for l in voucher["lines"])
    rows = rows_of(book, "2026-01")
    assert all(net_of(r, "closing") == 0 for r in pl_accounts(rows).values())
    assert rows["3103"]["closing_credit"] == "2765.44"
    assert book("trial_balance", {"period": "2026-01"})["balanced"] is True

    again = book("carry_forward", "2026-01")
    assert again["carried"] is False and again["vouchers"] == [] and again["message"] and again["message_en"]
    assert book("list_vouchers", {"period": "2026-01", "status": "posted"})["total"] == 4


def test_books_with_transfer_vouchers_use_word_zhuan(rpc, new_book, agency_a):
    book, _ = open_book(rpc, new_book, agency_a.admin, voucher_words=["收", "付", "转"])
    book.voucher("2026-01-05", line("1002", debit="500.00"), line("5001", credit="500.00"), word="收")
    done = book("carry_forward", "2026-01")
    assert done["vouchers"][0]["word"] == "转"


def test_year_end_moves_this_years_profit_to_retained_earnings(rpc, new_book, agency_a):
    book, _ = open_book(rpc, new_book, agency_a.admin, start_period="2025-12")
    book.voucher("2025-12-05", line("1002", debit="8000.00"), line("5001", credit="8000.00"))
    book.voucher("2025-12-06", line("5602", debit="3000.00"), line("1002", credit="3000.00"))
    done = book("carry_forward", "2025-12")
    assert len(done["vouchers"]) == 2
    accounts = {a["code"]: a for a in book("list_accounts", {})["items"]}
    retained = [a for a in accounts.values() if a["parent_code"] == "3104" and a["name"] == "未分配利润"]
    assert len(retained) == 1
    rows = rows_of(book, "2025-12")
    assert net_of(rows["3103"], "closing") == 0
    assert rows[retained[0]["code"]]["closing_credit"] == "5000.00"
    assert rows["3104"]["closing_credit"] == "5000.00"
    assert book("carry_forward", "2025-12")["carried"] is False


def test_close_checks_name_every_problem(rpc, new_book, agency_a):
    book, _ = open_book(rpc, new_book, agency_a.admin)
    sales_month(book)
    gap = book.voucher("2026-01-15", line("5602", debit="1.00"), line("1001", credit="1.00"), post=False)
    book.voucher("2026-01-16", line("5602", debit="2.00"), line("1001", credit="2.00"), post=False)
    book("delete_voucher", gap["id"])  # leaves number 4 missing
    result = book("close_check", "2026-01")
    failing = {c["code"]: c for c in result["checks"] if not c["ok"]}
    assert set(failing) == {"VOUCHERS_UNPOSTED", "VOUCHER_NUMBER_GAPS", "PROFIT_LOSS_NOT_CARRIED"}
    assert failing["VOUCHER_NUMBER_GAPS"]["details"]["gaps"] == {"记": [4]}
    assert failing["VOUCHERS_UNPOSTED"]["details"]["count"] == 1
    assert all(c["message"] and c["message_en"] for c in result["checks"])
    assert result["ok"] is False

    err = error_of(book, "close_period", "2026-01")
    assert (err.code, err.status) == ("CLOSE_CHECK_FAILED", 409)
    assert {c["code"] for c in err.details["checks"]} == set(failing)

    later = book("close_check", "2026-02")
    # January's 损益 were never carried, so February's cumulative balances are not zero either
    assert {c["code"] for c in later["checks"] if not c["ok"]} == {"EARLIER_PERIOD_OPEN", "PROFIT_LOSS_NOT_CARRIED"}
    err = error_of(book, "close_period", "2026-02")
    earlier = [c for c in err.details["checks"] if c["code"] == "EARLIER_PERIOD_OPEN"][0]
    assert err.code == "CLOSE_CHECK_FAILED" and earlier["details"]["periods"] == ["2026-01"]


def test_close_reopen_and_the_rules_around_them(rpc, new_book, agency_a, event_tap):
    tap = event_tap("period_closed", "period_reopened", "#")
    book, created = open_book(rpc, new_book, agency_a.admin)
    sales_month(book)
    book("carry_forward", "2026-01")
    assert book("close_check", "2026-01")["ok"] is True
    closed = book("close_period", "2026-01")
    assert closed["status"] == "closed" and closed["next_period"] == "2026-02"
    assert closed["totals"]["closing_debit"] == closed["totals"]["closing_credit"]
    event = tap.wait_for(lambda m: m["body"]["event_type"] == "period_closed"
                         and m["body"]["aggregate_id"] == created["id"])
    assert event["body"]["data"]["totals"] == closed["totals"] and event["body"]["data"]["period"] == "2026-01"

    err = error_of(book, "create_voucher", {"date": "2026-01-31", "lines": [line("1001", debit="1.00"),
                                                                            line("3001", credit="1.00")]})
    assert (err.code, err.status) == ("PERIOD_CLOSED", 409)
    err = error_of(book, "close_period", "2026-01")
    assert (err.code, err.status) == ("PERIOD_CLOSED", 409)
    err = error_of(book, "carry_forward", "2026-01")
    assert err.code == "PERIOD_CLOSED"

    book("close_period", "2026-02")  # nothing happened in February: it closes
    periods = {p["period"]: p for p in book("list_periods")["items"]}
    assert periods["2026-01"]["status"] == periods["2026-02"]["status"] == "closed"
    assert periods["2026-03"]["status"] == "open"
    assert periods["2026-01"]["closed_by"] == agency_a.admin.id

    # reopen: not by an accountant, only the latest closed period
    book_for_accountant = lambda *a: book(*a, actor=agency_a.accountant)  # noqa: E731
    err = error_of(book_for_accountant, "reopen_period", "2026-02")
    assert (err.code, err.status) == ("FORBIDDEN", 403)
    err = error_of(book, "reopen_period", "2026-01", actor=agency_a.supervisor)
    assert (err.code, err.status) == ("PERIOD_NOT_LATEST_CLOSED", 409)
    assert err.details["latest_closed"] == "2026-02"
    reopened = book("reopen_period", "2026-02", actor=agency_a.supervisor)
    assert reopened["status"] == "open" and reopened["reopened_by"] == agency_a.supervisor.id
    tap.wait_for(lambda m: m["body"]["event_type"] == "period_reopened"
                 and m["body"]["aggregate_id"] == created["id"])
    history = book("period_history")["items"]
    assert [(h["period"], h["action"]) for h in history] == [("2026-01", "closed"), ("2026-02", "closed"),
                                                             ("2026-02", "reopened")]
    assert history[-1]["user_id"] == agency_a.supervisor.id
    # February takes vouchers again; January is still closed
    book.voucher("2026-02-10", line("1001", debit="5.00"), line("3001", credit="5.00"))
    book("reopen_period", "2026-01", actor=agency_a.admin)
    err = error_of(book, "close_period", "2025-12")
    assert (err.code, err.status) == ("PERIOD_BEFORE_BOOK_START", 400)
    err = error_of(book, "close_period", "2026-1")
    assert (err.code, err.status) == ("VALIDATION_FAILED", 400)


def test_accrual_makes_an_editable_draft(rpc, new_book, agency_a):
    book, _ = open_book(rpc, new_book, agency_a.admin)
    draft = book("accrue", "2026-01", {"template": "计提工资", "amounts": {"management": "8000.00",
                                                                      "selling": "2000.00"}})
    assert (draft["status"], draft["source"], draft["date"], draft["period"]) == ("draft", "accrual", "2026-01-31",
                                                                                 "2026-01")
    debits = {l["account"]: l["debit"] for l in draft["lines"] if l["debit"]}
    credits = {l["account"]: l["credit"] for l in draft["lines"] if l["credit"]}
    assert debits == {"5602": "8000.00", "5601": "2000.00"} and credits == {"2211": "10000.00"}
    surtax = book("accrue", "2026-01", {"template": "surtax", "amounts": {"vat": "10000.00",
                                                                         "location_class": "urban"}})
    assert sum(D(l["credit"] or 0) for l in surtax["lines"]) == D("1200.00")
    # a retry with the same Idempotency-Key gets the first draft, not a second one
    key = f"accrue-{draft['id']}"
    first, retry = (rpc.ledger("accrue", book.client_id, "2026-01", {"template": "depreciation",
                                                                     "amounts": {"management": "300.00"}},
                               context=agency_a.admin.context(idempotency_key=key)) for _ in range(2))
    assert first["id"] == retry["id"]
    assert book("list_vouchers", {"period": "2026-01", "status": "draft"})["total"] == 3
    err = error_of(book, "accrue", "2026-01", {"template": "bonus", "amounts": {}})
    assert (err.code, err.status) == ("ACCRUAL_TEMPLATE_UNKNOWN", 400)
    err = error_of(book, "accrue", "2026-01", {"template": "salary", "amounts": {"management": "12.345"}})
    assert (err.code, err.status) == ("ACCRUAL_AMOUNT_INVALID", 400)
    assistant_err = error_of(book, "carry_forward", "2026-01", actor=agency_a.assistant)
    assert assistant_err.status in (403, 404)

    # a sub-account under 2211 is used when it is the only one; two make the choice the user's
    book, _ = open_book(rpc, new_book, agency_a.admin)
    book("add_account", {"parent_code": "2211", "name": "工资"})
    one = book("accrue", "2026-01", {"template": "salary", "amounts": {"management": "1.00"}})
    assert {l["account"] for l in one["lines"]} == {"5602", "221101"}
    book("add_account", {"parent_code": "2211", "name": "社保"})
    err = error_of(book, "accrue", "2026-01", {"template": "salary", "amounts": {"management": "1.00"}})
    assert (err.code, err.status) == ("ACCOUNT_NOT_LEAF", 400)
