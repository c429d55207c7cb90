"""科目余额表, 总账, 明细账, 序时账, 辅助核算余额表 over real RPC, checked against a plain
recomputation from the vouchers entered, and against each other (they must tie out)."""
from decimal import Decimal

import pytest

from servicekit.errors import AppError

from .conftest import book_payload, client_payload
from .test_reports_kit import Ledger, line, net_of, signed

D = Decimal


@pytest.fixture(scope="module")
def books(rpc, agency_a):
    """One book with sub-accounts, an auxiliary dimension, opening balances and three
    months of posted vouchers (plus a draft, which no report may show)."""
    admin = agency_a.admin
    client = rpc.clients("create_client", client_payload(), context=admin.context())
    rpc.ledger("create_book", client["id"], book_payload(allow_self_review=True), context=admin.context())
    book = Ledger(rpc, admin, client["id"])
    book("add_account", {"parent_code": "1002", "name": "工商银行"})
    book("add_account", {"parent_code": "1002", "name": "建设银行"})
    book("update_account", "1122", {"auxiliary": ["customer"]})
    c1 = book("add_aux_item", {"kind": "customer", "code": "C01", "name": "西安甲公司"})["id"]
    c2 = book("add_aux_item", {"kind": "customer", "code": "C02", "name": "咸阳乙公司"})["id"]
    opening = [("100201", "50000.00", None, None), ("1001", "1000.00", None, None), ("1122", "3000.00", None, c1),
               ("3001", None, "54000.00", None)]
    book("set_opening_balances", {"items": [
        {"account": a, **({"debit": d} if d else {}), **({"credit": c} if c else {}), **({"aux_item": x} if x else {})}
        for a, d, c, x in opening]})
    entries = [
        ("2026-01-05", [line("100201", debit="20000.00"), line("3001", credit="20000.00")]),
        ("2026-01-10", [line("1122", debit="11300.00", aux_item=c1), line("5001", credit="10000.00"),
                        line("2221", credit="1300.00")]),
        ("2026-01-20", [line("5602", debit="800.00"), line("1001", credit="800.00")]),
        ("2026-01-25", [line("100202", debit="5000.00"), line("100201", credit="5000.00")]),
        ("2026-02-03", [line("100201", debit="11300.00"), line("1122", credit="11300.00", aux_item=c1)]),
        ("2026-02-15", [line("5401", debit="6000.00"), line("2202", credit="6000.00")]),
        ("2026-02-20", [line("1122", debit="2260.00", aux_item=c2), line("5001", credit="2000.00"),
                        line("2221", credit="260.00")]),
        ("2026-02-28", [line("2202", debit="6000.00"), line("100202", credit="6000.00")]),  # 建行 overdrawn
        ("2026-03-08", [line("5602", debit="1234.56"), line("100201", credit="1234.56")]),
    ]
    for day, lines in entries:
        book.voucher(day, *lines)
    book.voucher("2026-03-09", line("1001", debit="999.00"), line("3001", credit="999.00"), post=False)
    return {"book": book, "opening": opening, "entries": entries, "customers": (c1, c2)}


def oracle(data, start, end, code):
    """(opening net, period debit, period credit) of `code` and its sub-accounts."""
    opening = sum((D(d or 0) - D(c or 0) for a, d, c, _ in data["opening"] if a.startswith(code)), D(0))
    debit = credit = D(0)
    for day, lines in data["entries"]:
        period = day[:7]
        for ln in lines:
            if not ln["account"].startswith(code):
                continue
            d, c = D(ln.get("debit", 0)), D(ln.get("credit", 0))
            if period < start:
                opening += d - c
            elif period <= end:
                debit += d
                credit += c
    return opening, debit, credit


def tb(book, **query):
    return book("trial_balance", query)


@pytest.mark.parametrize("query", [{"period": "2026-01"}, {"period": "2026-02"}, {"period": "2026-03"},
                                   {"from": "2026-01", "to": "2026-03"}, {"from": "2026-02", "to": "2026-04"}])
def test_trial_balance_equals_a_recomputation_from_the_vouchers(books, query):
    report = tb(books["book"], **query)
    start, end = query.get("period") or query["from"], query.get("period") or query["to"]
    assert report["balanced"] is True
    assert report["rows"], "the book has figures"
    for row in report["rows"]:
        opening, debit, credit = oracle(books, start, end, row["account"])
        assert net_of(row, "opening") == opening, row
        assert (D(row["period_debit"]), D(row["period_credit"])) == (debit, credit), row
        assert net_of(row, "closing") == opening + debit - credit, row
        # one side only, amounts as strings with 2 decimals
        assert D(row["opening_debit"]) == 0 or D(row["opening_credit"]) == 0
        assert all(isinstance(row[k], str) and len(row[k].split(".")[1]) == 2 for k in ("closing_debit",
                                                                                       "period_credit"))
    firsts = [r for r in report["rows"] if r["level"] == 1]
    for key, total in report["totals"].items():
        assert D(total) == sum((D(r[key]) for r in firsts), D(0)), key
    assert report["totals"]["closing_debit"] == report["totals"]["closing_credit"]


def test_parent_is_sum_of_sub_accounts_and_an_overdraft_shows_on_the_credit_side(books):
    rows = {r["account"]: r for r in tb(books["book"], period="2026-02")["rows"]}
    assert rows["100202"]["closing_credit"] == "1000.00" and rows["100202"]["closing_debit"] == "0.00"
    assert rows["100202"]["direction"] == "debit"
    for key in ("period_debit", "period_credit"):
        assert D(rows["1002"][key]) == D(rows["100201"][key]) + D(rows["100202"][key])
    assert net_of(rows["1002"], "closing") == net_of(rows["100201"], "closing") + net_of(rows["100202"], "closing")
    assert rows["1002"]["is_leaf"] is False and rows["100201"]["level"] == 2


def test_level_filter_keeps_totals(books):
    full = tb(books["book"], period="2026-02")
    first = books["book"]("trial_balance", {"period": "2026-02", "level": "1"})
    assert {r["level"] for r in first["rows"]} == {1}
    assert first["totals"] == full["totals"]


def test_drafts_are_not_in_the_books(books):
    rows = {r["account"]: r for r in tb(books["book"], period="2026-03")["rows"]}
    assert rows["1001"]["period_debit"] == "0.00"


def test_general_ledger_ties_out_with_the_trial_balance(books):
    book = books["book"]
    gl = book("general_ledger", {"from": "2026-01", "to": "2026-03"})
    by_period = {p: {r["account"]: r for r in tb(book, period=p)["rows"]} for p in ("2026-01", "2026-02", "2026-03")}
    whole = {r["account"]: r for r in tb(book, **{"from": "2026-01", "to": "2026-03"})["rows"]}
    assert {a["account"] for a in gl["accounts"]} == set(whole)
    for account in gl["accounts"]:
        code = account["account"]
        assert signed(account["opening"]) == net_of(whole[code], "opening")
        assert signed(account["closing"]) == net_of(whole[code], "closing")
        assert (account["totals"]["debit"], account["totals"]["credit"]) == (whole[code]["period_debit"],
                                                                            whole[code]["period_credit"])
        for row in account["periods"]:
            tb_row = by_period[row["period"]].get(code)
            expect = (tb_row["period_debit"], tb_row["period_credit"]) if tb_row else ("0.00", "0.00")
            assert (row["debit"], row["credit"]) == expect
            if tb_row:
                assert signed(row) == net_of(tb_row, "closing")
        # 本年累计 in March = January to March
        march = account["periods"][-1]
        assert (march["ytd_debit"], march["ytd_credit"]) == (whole[code]["period_debit"], whole[code]["period_credit"])
    one = book("general_ledger", {"from": "2026-02", "to": "2026-02", "account": "1002"})
    assert [a["account"] for a in one["accounts"]] == ["1002", "100201", "100202"]
    assert one["accounts"][0]["periods"][0]["ytd_debit"] == "36300.00"  # Jan 25,000 + Feb 11,300


def walk_detail(book, **query):
    items, page = [], 1
    while True:
        reply = book("detail_ledger", {**query, "page": str(page), "page_size": "2"})
        items += reply["items"]
        if len(items) >= reply["total"]:
            return reply, items
        page += 1


@pytest.mark.parametrize("code", ["1002", "100201", "5602", "1122"])
def test_detail_ledger_runs_from_the_opening_to_the_trial_balance_closing(books, code):
    book = books["book"]
    reply, items = walk_detail(book, account=code, **{"from": "2026-01", "to": "2026-03"})
    row = {r["account"]: r for r in tb(book, **{"from": "2026-01", "to": "2026-03"})["rows"]}[code]
    assert signed(reply["opening"]) == net_of(row, "opening")
    assert signed(reply["closing"]) == net_of(row, "closing")
    balance = signed(reply["opening"])
    for item in items:
        balance += D(item["debit"]) - D(item["credit"])
        assert signed(item) == balance, item
        assert item["account"].startswith(code) and item["word"] == "记" and item["number"] >= 1
    assert balance == net_of(row, "closing")
    assert sum(D(i["debit"]) for i in items) == D(row["period_debit"])
    assert sum(D(i["credit"]) for i in items) == D(row["period_credit"])
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert sum(D(p["debit"]) for p in reply["period_totals"]) == D(row["period_debit"])


def test_detail_ledger_of_one_customer(books):
    c1, c2 = books["customers"]
    book = books["book"]
    reply, items = walk_detail(book, account="1122", aux_item=c1, **{"from": "2026-01", "to": "2026-03"})
    assert signed(reply["opening"]) == D("3000.00") and signed(reply["closing"]) == D("3000.00")
    assert [i["debit"] for i in items] == ["11300.00", "0.00"] and all(i["aux_item"] == c1 for i in items)


def test_journal_lists_posted_lines_in_date_order(books):
    book = books["book"]
    items, page = [], 1
    while True:
        reply = book("journal", {"from": "2026-01", "to": "2026-03", "page": str(page), "page_size": "4"})
        items += reply["items"]
        if len(items) >= reply["total"]:
            break
        page += 1
    expected = [(day, ln) for day, lines in books["entries"] for ln in lines]
    assert len(items) == len(expected) == reply["total"]
    assert [(i["date"], i["account"]) for i in items] == [(day, ln["account"]) for day, ln in expected]
    totals = tb(book, **{"from": "2026-01", "to": "2026-03"})["totals"]
    assert sum(D(i["debit"]) for i in items) == D(totals["period_debit"]) == D(reply["totals"]["debit"])


def test_aux_balances_per_customer(books):
    c1, c2 = books["customers"]
    reply = books["book"]("aux_balances", {"from": "2026-01", "to": "2026-03", "kind": "customer"})
    rows = {r["aux_item"]: r for r in reply["rows"]}
    assert rows[c1]["item_code"] == "C01" and rows[c1]["account"] == "1122"
    assert (rows[c1]["opening_debit"], rows[c1]["period_debit"], rows[c1]["period_credit"],
            rows[c1]["closing_debit"]) == ("3000.00", "11300.00", "11300.00", "3000.00")
    assert rows[c2]["closing_debit"] == "2260.00"
    tb_1122 = {r["account"]: r for r in tb(books["book"], **{"from": "2026-01", "to": "2026-03"})["rows"]}["1122"]
    assert D(reply["totals"]["closing_debit"]) == D(tb_1122["closing_debit"])


def error_of(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_bad_queries_are_4xx(books):
    book = books["book"]
    for bad in ({}, {"period": "2026-13"}, {"from": "2026-03", "to": "2026-01"}, {"period": "2026-01", "level": "9"},
                {"period": "2026-01", "from": "2026-01", "to": "2026-02"}, {"period": "2026-01", "extra": "x"}):
        err = error_of(book, "trial_balance", bad)
        assert (err.code, err.status) == ("VALIDATION_FAILED", 400), bad
    err = error_of(book, "detail_ledger", {"account": "9999", "period": "2026-01"})
    assert (err.code, err.status) == ("ACCOUNT_UNKNOWN", 400)
    err = error_of(book, "detail_ledger", {"account": "1002", "period": "2026-01", "page_size": "0"})
    assert err.code == "VALIDATION_FAILED"


def test_other_agency_and_unassigned_staff_see_nothing(books, rpc, agency_a, agency_b):
    book = books["book"]
    for outsider in (agency_b.admin, agency_a.assistant):
        err = error_of(book, "trial_balance", {"period": "2026-01"}, actor=outsider)
        assert (err.code, err.status) == ("BOOK_NOT_FOUND", 404)
    # a supervisor of the same agency sees every book
    assert book("trial_balance", {"period": "2026-01"}, actor=agency_a.supervisor)["balanced"] is True


def test_every_page_size_gives_the_same_detail_ledger(rpc, agency_a):
    """Pages skip whole periods (period_balances) and whole days (daily_balances) before
    them: walking with any page size must give the same lines and running balances as
    one big page, across days with many lines, sub-accounts and months."""
    admin = agency_a.admin
    client = rpc.clients("create_client", client_payload(), context=admin.context())
    rpc.ledger("create_book", client["id"], book_payload(allow_self_review=True), context=admin.context())
    book = Ledger(rpc, admin, client["id"])
    book("add_account", {"parent_code": "1002", "name": "工商银行"})
    book("add_account", {"parent_code": "1002", "name": "建设银行"})
    batch = []
    for n in range(36):
        day = f"2026-0{1 + n % 3}-{1 + (n * 7) % 5:02d}"
        bank = "100201" if n % 2 else "100202"
        amount = f"{100 + n}.{n % 100:02d}"
        if n % 3:
            lines = [line(bank, debit=amount, summary=f"收款{n}"), line("5001", credit=amount, summary=f"收款{n}")]
        else:
            lines = [line("5602", debit=amount, summary=f"付费{n}"), line(bank, credit=amount, summary=f"付费{n}")]
        batch.append({"date": day, "word": "记", "lines": lines})
    book("create_vouchers", {"vouchers": batch})
    for period in ("2026-01", "2026-02", "2026-03"):
        book.post_period(period)
    query = {"account": "1002", "from": "2026-01", "to": "2026-03"}
    whole = book("detail_ledger", {**query, "page": "1", "page_size": "500"})
    assert whole["total"] == 36

    def key(item):
        return item["voucher_id"], item["line_no"], item["debit"], item["credit"], item["balance"], item["side"]

    for size in (1, 4, 7, 36):
        walked, page = [], 1
        while len(walked) < whole["total"]:
            reply = book("detail_ledger", {**query, "page": str(page), "page_size": str(size)})
            assert reply["total"] == whole["total"] and reply["items"], (size, page)
            walked += reply["items"]
            page += 1
        assert [key(i) for i in walked] == [key(i) for i in whole["items"]], size
    beyond = book("detail_ledger", {**query, "page": "100", "page_size": "7"})
    assert beyond["items"] == [] and beyond["total"] == 36
