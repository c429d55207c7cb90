"""Vouchers over real RPC: entry, the workflow, drafts changed and deleted, reversal,
templates, and every bad input refused with a 4xx and nothing written."""
import uuid
from datetime import date

import pytest
from sqlalchemy import text

from servicekit.errors import AppError

from .conftest import line, voucher_payload


def refused(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def counts(ledger_db, book_id):
    with ledger_db.connect() as conn:
        return conn.execute(text(
            "SELECT (SELECT count(*) FROM vouchers WHERE book_id = :b), (SELECT count(*) FROM voucher_lines WHERE "
            "book_id = :b), (SELECT count(*) FROM outbox WHERE aggregate_id = :s),"
            " (SELECT coalesce(sum(last_number), 0) FROM voucher_counters WHERE book_id = :b)"),
            {"b": book_id, "s": book_id}).one()


def balances(ledger_db, book_id):
    with ledger_db.connect() as conn:
        return {(row.period, row.account_code, row.aux_key): (str(row.debit), str(row.credit)) for row in conn.execute(
            text("SELECT * FROM period_balances WHERE book_id = :b"), {"b": book_id})}


@pytest.fixture
def book(new_book, agency_a):
    client, book = new_book(agency_a.admin, staff={"accountant": agency_a.accountant,
                                                   "assistant": agency_a.assistant})
    return {"client_id": client["id"], **book}


def test_create_review_post(rpc, agency_a, book, ledger_db):
    cid, acc, sup = book["client_id"], agency_a.accountant, agency_a.supervisor
    payload = {"date": "2026-01-15", "word": "记", "attachments": 2, "lines": [
        line("1002", debit="1130.00", summary="收到货款"),
        line("5001", credit="1000.00", summary="销售商品"),
        line("2221", credit="130.00", summary="销项税额", quantity="10", unit_price="100")]}
    voucher = rpc.ledger("create_voucher", cid, payload, context=acc.context())
    assert voucher["status"] == "draft" and voucher["source"] == "manual"
    assert (voucher["period"], voucher["date"], voucher["word"], voucher["number"]) == ("2026-01", "2026-01-15", "记", 1)
    assert voucher["total"] == "1130.00" and voucher["attachments"] == 2 and voucher["version"] == 1
    assert voucher["created_by"] == acc.id and voucher["reviewed_by"] is None
    assert voucher["lines"] == [
        {"line_no": 1, "summary": "收到货款", "account": "1002", "account_name": "银行存款", "debit": "1130.00",
         "credit": None, "aux_item": None, "quantity": None, "unit_price": None},
        {"line_no": 2, "summary": "销售商品", "account": "5001", "account_name": "主营业务收入", "debit": None,
         "credit": "1000.00", "aux_item": None, "quantity": None, "unit_price": None},
        {"line_no": 3, "summary": "销项税额", "account": "2221", "account_name": "应交税费", "debit": None,
         "credit": "130.00", "aux_item": None, "quantity": "10", "unit_price": "100"}]
    assert rpc.ledger("get_voucher", cid, voucher["id"], context=sup.context()) == voucher
    second = rpc.ledger("create_voucher", cid, voucher_payload(), context=acc.context())
    assert second["number"] == 2

    # the creator may not review their own voucher
    error = refused(rpc.ledger, "review_voucher", cid, voucher["id"], context=acc.context())
    assert (error.code, error.status) == ("SELF_REVIEW_FORBIDDEN", 403)
    # posting needs a review first
    error = refused(rpc.ledger, "post_voucher", cid, voucher["id"], context=sup.context())
    assert (error.code, error.status) == ("VOUCHER_STATUS", 409)

    reviewed = rpc.ledger("review_voucher", cid, voucher["id"], context=sup.context())
    assert reviewed["status"] == "reviewed" and reviewed["reviewed_by"] == sup.id and reviewed["reviewed_at"]
    assert reviewed["version"] == 2
    unreviewed = rpc.ledger("unreview_voucher", cid, voucher["id"], context=sup.context())
    assert unreviewed["status"] == "draft" and unreviewed["reviewed_by"] is None
    rpc.ledger("review_voucher", cid, voucher["id"], context=sup.context())
    assert balances(ledger_db, book["id"]) == {}

    posted = rpc.ledger("post_voucher", cid, voucher["id"], context=acc.context())
    assert posted["status"] == "posted" and posted["posted_by"] == acc.id and posted["posted_at"]
    assert posted["posted_sequence"] > 0 and posted["lines"] == voucher["lines"]
    assert balances(ledger_db, book["id"]) == {("2026-01", "1002", ""): ("1130.00", "0.00"),
                                               ("2026-01", "5001", ""): ("0.00", "1000.00"),
                                               ("2026-01", "2221", ""): ("0.00", "130.00")}
    with ledger_db.connect() as conn:
        flags = conn.execute(text("SELECT posted FROM voucher_lines WHERE voucher_id = :v"),
                             {"v": voucher["id"]}).scalars().all()
    assert flags == [True, True, True]

    # posted: never changed, never deleted, never posted or unreviewed again
    for method, args in (("update_voucher", ({"version": posted["version"], "attachments": 3},)),
                         ("delete_voucher", ())):
        error = refused(rpc.ledger, method, cid, voucher["id"], *args, context=sup.context())
        assert (error.code, error.status) == ("VOUCHER_POSTED", 409)
    assert refused(rpc.ledger, "post_voucher", cid, voucher["id"], context=sup.context()).code == "VOUCHER_STATUS"
    assert refused(rpc.ledger, "unreview_voucher", cid, voucher["id"], context=sup.context()).code == "VOUCHER_POSTED"
    assert refused(rpc.ledger, "review_voucher", cid, voucher["id"], context=sup.context()).code == "VOUCHER_STATUS"

    # a second posting adds to the same balances
    rpc.ledger("review_voucher", cid, second["id"], context=sup.context())
    rpc.ledger("post_voucher", cid, second["id"], context=sup.context())
    found = balances(ledger_db, book["id"])
    assert found[("2026-01", "1001", "")] == ("100.00", "0.00") and found[("2026-01", "3001", "")] == ("0.00", "100.00")


def test_self_review_when_the_book_allows_it(rpc, agency_a, book):
    cid, acc = book["client_id"], agency_a.accountant
    updated = rpc.ledger("update_book", cid, {"allow_self_review": True}, context=agency_a.admin.context())
    assert updated["allow_self_review"] is True
    voucher = rpc.ledger("create_voucher", cid, voucher_payload(), context=acc.context())
    assert rpc.ledger("review_voucher", cid, voucher["id"], context=acc.context())["status"] == "reviewed"


def test_draft_update_and_version(rpc, agency_a, book):
    cid, ctx = book["client_id"], agency_a.accountant.context()
    first = rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)
    second = rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)
    changed = rpc.ledger("update_voucher", cid, second["id"], {
        "version": 1, "lines": [line("1002", debit="88.80"), line("1001", credit="88.80")]}, context=ctx)
    assert changed["version"] == 2 and changed["total"] == "88.80" and changed["number"] == 2
    assert [l["account"] for l in changed["lines"]] == ["1002", "1001"]
    error = refused(rpc.ledger, "update_voucher", cid, second["id"], {"version": 1, "attachments": 1}, context=ctx)
    assert (error.code, error.status) == ("VERSION_CONFLICT", 409)
    # a new date in another period: numbered there (the old number becomes a gap)
    moved = rpc.ledger("update_voucher", cid, first["id"], {"version": 1, "date": "2026-02-03"}, context=ctx)
    assert (moved["period"], moved["number"], moved["total"]) == ("2026-02", 1, "100.00")
    assert moved["lines"][0]["account"] == "1001"
    # a reviewed voucher must be unreviewed before it changes
    rpc.ledger("review_voucher", cid, second["id"], context=agency_a.supervisor.context())
    error = refused(rpc.ledger, "update_voucher", cid, second["id"], {"version": 3, "attachments": 1}, context=ctx)
    assert (error.code, error.status) == ("VOUCHER_STATUS", 409)
    error = refused(rpc.ledger, "delete_voucher", cid, second["id"], context=ctx)
    assert (error.code, error.status) == ("VOUCHER_STATUS", 409)


def test_delete_leaves_a_gap_and_renumber_closes_it(rpc, agency_a, book):
    cid, ctx, sup = book["client_id"], agency_a.accountant.context(), agency_a.supervisor.context()
    made = [rpc.ledger("create_voucher", cid, voucher_payload(day=f"2026-01-{10 + n:02d}"), context=ctx)
            for n in range(5)]
    rpc.ledger("delete_voucher", cid, made[1]["id"], context=ctx)
    assert refused(rpc.ledger, "get_voucher", cid, made[1]["id"], context=ctx).code == "VOUCHER_NOT_FOUND"
    after = rpc.ledger("create_voucher", cid, voucher_payload(day="2026-01-05"), context=ctx)
    assert after["number"] == 6  # deleting leaves a gap; numbers go on
    result = rpc.ledger("renumber_vouchers", cid, {"period": "2026-01"}, context=sup)
    listed = rpc.ledger("list_vouchers", cid, {"period": "2026-01"}, context=ctx)["items"]
    # nothing posted: 1..N in date order
    assert [(v["date"], v["number"]) for v in listed] == [
        ("2026-01-05", 1), ("2026-01-10", 2), ("2026-01-12", 3), ("2026-01-13", 4), ("2026-01-14", 5)]
    assert result["count"] == 5 and len(result["changes"]) == 2  # 6 -> 1 and 1 -> 2
    assert rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)["number"] == 6


def test_renumber_keeps_posted_numbers(rpc, agency_a, book):
    cid, ctx, sup = book["client_id"], agency_a.accountant.context(), agency_a.supervisor.context()
    made = [rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx) for _ in range(4)]
    rpc.ledger("review_vouchers", cid, {"ids": [made[2]["id"]]}, context=sup)
    rpc.ledger("post_vouchers", cid, {"ids": [made[2]["id"]]}, context=sup)
    rpc.ledger("delete_voucher", cid, made[0]["id"], context=ctx)
    rpc.ledger("delete_voucher", cid, made[1]["id"], context=ctx)
    # 3 is posted with gaps 1 and 2 below it and only 4 to move: refused, clearly
    error = refused(rpc.ledger, "renumber_vouchers", cid, {"period": "2026-01"}, context=sup)
    assert (error.code, error.status) == ("VOUCHER_GAP_BELOW_POSTED", 409)
    assert error.details["gaps"] == [1, 2] and "posted" in error.message_en
    # one more voucher fills the other gap: 4 -> 1, the new 5 -> 2, 3 stays
    extra = rpc.ledger("create_voucher", cid, voucher_payload(day="2026-01-20"), context=ctx)
    rpc.ledger("renumber_vouchers", cid, {"period": "2026-01", "word": "记"}, context=sup)
    numbers = {v["id"]: v["number"] for v in rpc.ledger("list_vouchers", cid, {"period": "2026-01"}, context=ctx)["items"]}
    assert numbers == {made[2]["id"]: 3, made[3]["id"]: 1, extra["id"]: 2}


def test_reversal(rpc, agency_a, book, ledger_db):
    cid, ctx, sup = book["client_id"], agency_a.accountant.context(), agency_a.supervisor.context()
    voucher = rpc.ledger("create_voucher", cid, voucher_payload(amount="500.00"), context=ctx)
    assert refused(rpc.ledger, "reverse_voucher", cid, voucher["id"], {}, context=ctx).code == "VOUCHER_STATUS"
    rpc.ledger("review_voucher", cid, voucher["id"], context=sup)
    rpc.ledger("post_voucher", cid, voucher["id"], context=sup)

    red = rpc.ledger("reverse_voucher", cid, voucher["id"], {"date": "2026-01-31"}, context=ctx)
    assert red["source"] == "reversal" and red["reversal_of"] == voucher["id"] and red["status"] == "draft"
    assert red["total"] == "-500.00" and red["number"] == 2
    assert [(l["account"], l["debit"], l["credit"]) for l in red["lines"]] == [("1001", "-500.00", None),
                                                                              ("3001", None, "-500.00")]
    assert red["lines"][0]["summary"] == "冲销2026-01期记字第1号凭证"
    assert rpc.ledger("get_voucher", cid, voucher["id"], context=ctx)["reversed_by"] == red["id"]
    error = refused(rpc.ledger, "reverse_voucher", cid, voucher["id"], {}, context=ctx)
    assert (error.code, error.status) == ("VOUCHER_ALREADY_REVERSED", 409)
    # a reversal is not edited (delete it and reverse again)
    assert refused(rpc.ledger, "update_voucher", cid, red["id"], {"version": 1, "attachments": 1},
                   context=ctx).code == "VOUCHER_IS_REVERSAL"

    rpc.ledger("review_voucher", cid, red["id"], context=sup)
    rpc.ledger("post_voucher", cid, red["id"], context=sup)
    assert balances(ledger_db, book["id"]) == {("2026-01", "1001", ""): ("0.00", "0.00"),
                                               ("2026-01", "3001", ""): ("0.00", "0.00")}
    error = refused(rpc.ledger, "reverse_voucher", cid, red["id"], {}, context=ctx)
    assert (error.code, error.status) == ("VOUCHER_IS_REVERSAL", 409)


def test_reversal_default_date_and_deleting_a_reversal(rpc, agency_a, book):
    cid, ctx, sup = book["client_id"], agency_a.accountant.context(), agency_a.supervisor.context()
    voucher = rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)
    rpc.ledger("review_voucher", cid, voucher["id"], context=sup)
    rpc.ledger("post_voucher", cid, voucher["id"], context=sup)
    red = rpc.ledger("reverse_voucher", cid, voucher["id"], {"summary": "冲销错账"}, context=ctx)
    today = date.today()
    assert red["period"] == f"{today.year:04d}-{today.month:02d}"  # today's period is open
    assert {l["summary"] for l in red["lines"]} == {"冲销错账"}
    rpc.ledger("delete_voucher", cid, red["id"], context=ctx)
    assert rpc.ledger("get_voucher", cid, voucher["id"], context=ctx)["reversed_by"] is None
    again = rpc.ledger("reverse_voucher", cid, voucher["id"], {"date": "2026-01-20"}, context=ctx)
    assert again["reversal_of"] == voucher["id"]


def test_list_and_filters(rpc, agency_a, book):
    cid, ctx = book["client_id"], agency_a.accountant.context()
    rpc.ledger("update_book", cid, {"voucher_words": ["记", "收"]}, context=agency_a.admin.context())
    rpc.ledger("create_voucher", cid, voucher_payload(day="2026-01-02"), context=ctx)
    rpc.ledger("create_voucher", cid, voucher_payload(day="2026-01-03", word="收", debit="1002"), context=ctx)
    rpc.ledger("create_voucher", cid, voucher_payload(day="2026-02-03"), context=ctx)
    everything = rpc.ledger("list_vouchers", cid, {}, context=ctx)
    assert everything["total"] == 3 and all(len(v["lines"]) == 2 for v in everything["items"])
    assert [(v["period"], v["word"], v["number"]) for v in everything["items"]] == [
        ("2026-01", "收", 1), ("2026-01", "记", 1), ("2026-02", "记", 1)]
    assert rpc.ledger("list_vouchers", cid, {"word": "收"}, context=ctx)["total"] == 1
    assert rpc.ledger("list_vouchers", cid, {"account": "1002"}, context=ctx)["total"] == 1
    assert rpc.ledger("list_vouchers", cid, {"account": "10"}, context=ctx)["total"] == 3
    assert rpc.ledger("list_vouchers", cid, {"from": "2026-02", "to": "2026-03"}, context=ctx)["total"] == 1
    assert rpc.ledger("list_vouchers", cid, {"status": "posted"}, context=ctx)["total"] == 0
    page = rpc.ledger("list_vouchers", cid, {"page": 2, "page_size": 2}, context=ctx)
    assert len(page["items"]) == 1 and page["total"] == 3


def test_periods_are_created_and_closed_ones_refuse(rpc, agency_a, book, ledger_db):
    cid, ctx, sup = book["client_id"], agency_a.accountant.context(), agency_a.supervisor.context()
    rpc.ledger("create_voucher", cid, voucher_payload(day="2026-04-30"), context=ctx)
    with ledger_db.connect() as conn:
        rows = conn.execute(text("SELECT period, status FROM periods WHERE book_id = :b ORDER BY period"),
                            {"b": book["id"]}).all()
    assert [tuple(r) for r in rows] == [("2026-01", "open"), ("2026-02", "open"), ("2026-03", "open"),
                                        ("2026-04", "open")]
    rpc.ledger("close_period", cid, "2026-01", context=sup)
    before = counts(ledger_db, book["id"])
    error = refused(rpc.ledger, "create_voucher", cid, voucher_payload(day="2026-01-31"), context=ctx)
    assert (error.code, error.status) == ("PERIOD_CLOSED", 409) and error.details["first_open_period"] == "2026-02"
    assert counts(ledger_db, book["id"]) == before
    assert rpc.ledger("get_book", cid, context=ctx)["current_period"] == "2026-02"


def test_templates(rpc, agency_a, book):
    cid, ctx = book["client_id"], agency_a.accountant.context()
    template = rpc.ledger("create_template", cid, {"name": "提现", "lines": [
        {"summary": "提取现金", "account": "1001", "side": "debit"},
        {"summary": "提取现金", "account": "1002", "side": "credit"}]}, context=ctx)
    fixed = rpc.ledger("create_template", cid, {"name": "房租", "lines": [
        {"summary": "支付房租", "account": "5602", "side": "debit", "amount": "3000.00"},
        {"summary": "支付房租", "account": "1002", "side": "credit", "amount": "3000.00"}]}, context=ctx)
    assert [t["name"] for t in rpc.ledger("list_templates", cid, context=ctx)["items"]] == ["房租", "提现"]
    error = refused(rpc.ledger, "create_template", cid, {"name": "提现", "lines": [
        {"account": "1001", "side": "debit"}, {"account": "1002", "side": "credit"}]}, context=ctx)
    assert (error.code, error.status) == ("TEMPLATE_EXISTS", 409)

    made = rpc.ledger("voucher_from_template", cid, template["id"], {"date": "2026-01-08",
                                                                     "amounts": ["2000.00", "2000.00"]}, context=ctx)
    assert made["source"] == "template" and made["status"] == "draft" and made["total"] == "2000.00"
    assert [(l["account"], l["debit"], l["credit"]) for l in made["lines"]] == [("1001", "2000.00", None),
                                                                               ("1002", None, "2000.00")]
    rent = rpc.ledger("voucher_from_template", cid, fixed["id"], {"date": "2026-01-31"}, context=ctx)
    assert rent["total"] == "3000.00" and rent["lines"][0]["summary"] == "支付房租"
    error = refused(rpc.ledger, "voucher_from_template", cid, template["id"], {"date": "2026-01-08"}, context=ctx)
    assert (error.code, error.status) == ("AMOUNT_INVALID", 400)
    error = refused(rpc.ledger, "voucher_from_template", cid, template["id"],
                    {"date": "2026-01-08", "amounts": ["1.00", "2.00"]}, context=ctx)
    assert error.code == "VOUCHER_UNBALANCED"
    rpc.ledger("delete_template", cid, template["id"], context=ctx)
    assert refused(rpc.ledger, "voucher_from_template", cid, template["id"], {"date": "2026-01-08"},
                   context=ctx).code == "TEMPLATE_NOT_FOUND"


def test_idempotent_create(rpc, agency_a, book, ledger_db):
    cid = book["client_id"]
    ctx = agency_a.accountant.context(idempotency_key=f"k-{uuid.uuid4()}")
    first = rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)
    again = rpc.ledger("create_voucher", cid, voucher_payload(), context=ctx)
    assert again == first
    assert counts(ledger_db, book["id"])[0] == 1
    error = refused(rpc.ledger, "create_voucher", cid, voucher_payload(amount="1.00"), context=ctx)
    assert (error.code, error.status) == ("IDEMPOTENCY_KEY_REUSED", 409)
    batch_ctx = agency_a.accountant.context(idempotency_key=f"b-{uuid.uuid4()}")
    batch = {"vouchers": [voucher_payload(), voucher_payload(day="2026-01-16")]}
    made = rpc.ledger("create_vouchers", cid, batch, context=batch_ctx)
    assert rpc.ledger("create_vouchers", cid, batch, context=batch_ctx) == made
    assert counts(ledger_db, book["id"])[0] == 3


BAD_VOUCHERS = [
    # (what, payload changes or a whole payload, code, status)
    ("one line", {"lines": [line("1001", debit="1.00")]}, "VOUCHER_TOO_FEW_LINES", 400),
    ("no lines", {"lines": []}, "VOUCHER_TOO_FEW_LINES", 400),
    ("unbalanced", {"lines": [line("1001", debit="100.00"), line("3001", credit="99.99")]}, "VOUCHER_UNBALANCED", 400),
    ("both sides", {"lines": [line("1001", debit="1.00", credit="1.00"), line("3001", credit="1.00")]},
     "AMOUNT_INVALID", 400),
    ("no side", {"lines": [line("1001"), line("3001", credit="1.00")]}, "AMOUNT_INVALID", 400),
    ("zero", {"lines": [line("1001", debit="0.00"), line("3001", credit="0")]}, "AMOUNT_INVALID", 400),
    ("negative", {"lines": [line("1001", debit="-5.00"), line("3001", credit="-5.00")]}, "AMOUNT_INVALID", 400),
    ("three decimals", {"lines": [line("1001", debit="1.005"), line("3001", credit="1.005")]}, "VALIDATION_FAILED", 400),
    ("a float", {"lines": [line("1001", debit=1.5), line("3001", credit=1.5)]}, "VALIDATION_FAILED", 400),
    ("not a number", {"lines": [line("1001", debit="1,000"), line("3001", credit="1000")]}, "VALIDATION_FAILED", 400),
    ("unknown account", {"lines": [line("1009", debit="1.00"), line("3001", credit="1.00")]}, "ACCOUNT_UNKNOWN", 400),
    ("bad account code", {"lines": [line("10", debit="1.00"), line("3001", credit="1.00")]}, "VALIDATION_FAILED", 400),
    ("not a leaf", {"lines": [line("1002", debit="1.00"), line("3001", credit="1.00")]}, "ACCOUNT_NOT_LEAF", 400),
    ("disabled", {"lines": [line("1012", debit="1.00"), line("3001", credit="1.00")]}, "ACCOUNT_DISABLED", 400),
    ("aux missing", {"lines": [line("1122", debit="1.00"), line("3001", credit="1.00")]}, "AUX_ITEM_REQUIRED", 400),
    ("aux unknown", {"lines": [line("1122", debit="1.00", aux_item="NOPE"), line("3001", credit="1.00")]},
     "AUX_ITEM_REQUIRED", 400),
    ("aux not allowed", {"lines": [line("1001", debit="1.00", aux_item="C001"), line("3001", credit="1.00")]},
     "AUX_ITEM_NOT_ALLOWED", 400),
    ("unknown word", {"word": "收"}, "WORD_UNKNOWN", 400),
    ("not a word", {"word": "X"}, "VALIDATION_FAILED", 400),
    ("before the start", {"date": "2025-12-31"}, "DATE_BEFORE_BOOK_START", 400),
    ("far future", {"date": "2099-01-01"}, "DATE_OUT_OF_RANGE", 400),
    ("bad date", {"date": "2026-02-30"}, "VALIDATION_FAILED", 400),
    ("no date", {"date": None}, "VALIDATION_FAILED", 400),
    ("unknown field", {"colour": "red"}, "VALIDATION_FAILED", 400),
    ("unknown line field", {"lines": [line("1001", debit="1.00", memo="x"), line("3001", credit="1.00")]},
     "VALIDATION_FAILED", 400),
    ("negative attachments", {"attachments": -1}, "VALIDATION_FAILED", 400),
    ("long summary", {"lines": [line("1001", debit="1.00", summary="长" * 201), line("3001", credit="1.00")]},
     "VALIDATION_FAILED", 400),
    ("not a dict", None, "VALIDATION_FAILED", 400),
]


@pytest.fixture
def prepared_book(rpc, agency_a, book):
    """A book with 1002 split into 100201, 1012 disabled, 1122 by customer."""
    cid, ctx = book["client_id"], agency_a.admin.context()
    rpc.ledger("add_account", cid, {"parent_code": "1002", "name": "工商银行"}, context=ctx)
    rpc.ledger("update_account", cid, "1012", {"enabled": False}, context=ctx)
    rpc.ledger("update_account", cid, "1122", {"auxiliary": ["customer"]}, context=ctx)
    rpc.ledger("add_aux_item", cid, {"kind": "customer", "code": "C001", "name": "西安甲公司"}, context=ctx)
    return book


@pytest.mark.parametrize("what,changes,code,status", BAD_VOUCHERS, ids=[b[0] for b in BAD_VOUCHERS])
def test_bad_vouchers_are_refused_and_nothing_is_written(rpc, agency_a, prepared_book, ledger_db, what, changes,
                                                         code, status):
    cid, ctx = prepared_book["client_id"], agency_a.accountant.context()
    before = counts(ledger_db, prepared_book["id"])
    payload = "nonsense" if changes is None else {key: value for key, value in {**voucher_payload(), **changes}.items()
                                                  if value is not None}
    error = refused(rpc.ledger, "create_voucher", cid, payload, context=ctx)
    assert (error.code, error.status) == (code, status), error.to_dict()
    assert error.message and error.message_en and error.message != error.message_en
    assert counts(ledger_db, prepared_book["id"]) == before
    # the same voucher inside a batch: the whole batch is refused, naming its index
    if changes is not None and code not in ("VALIDATION_FAILED",):
        error = refused(rpc.ledger, "create_vouchers", cid, {"vouchers": [voucher_payload(), payload]}, context=ctx)
        assert (error.code, error.status) == ("BATCH_INVALID", 400)
        assert [(e["index"], e["code"]) for e in error.details["errors"]] == [(1, code)]
        assert counts(ledger_db, prepared_book["id"]) == before


def test_aux_items_on_lines(rpc, agency_a, prepared_book, ledger_db):
    cid, ctx, sup = prepared_book["client_id"], agency_a.accountant.context(), agency_a.supervisor.context()
    items = rpc.ledger("list_aux_items", cid, {"kind": "customer"}, context=ctx)["items"]
    item = items[0]
    other = rpc.ledger("add_aux_item", cid, {"kind": "customer", "code": "C002", "name": "咸阳乙公司"},
                       context=agency_a.admin.context())
    voucher = rpc.ledger("create_voucher", cid, {"date": "2026-01-09", "lines": [
        line("1122", debit="300.00", aux_item="C001"), line("1122", debit="200.00", aux_item=other["id"]),
        line("5001", credit="500.00")]}, context=ctx)
    assert voucher["lines"][0]["aux_item"] == {"id": item["id"], "kind": "customer", "code": "C001",
                                               "name": "西安甲公司"}
    assert voucher["lines"][1]["aux_item"]["code"] == "C002"
    rpc.ledger("review_voucher", cid, voucher["id"], context=sup)
    rpc.ledger("post_voucher", cid, voucher["id"], context=sup)
    found = balances(ledger_db, prepared_book["id"])
    assert found[("2026-01", "1122", item["id"])] == ("300.00", "0.00")
    assert found[("2026-01", "1122", other["id"])] == ("200.00", "0.00")
    # a disabled item no longer takes lines
    rpc.ledger("update_aux_item", cid, other["id"], {"enabled": False}, context=agency_a.admin.context())
    error = refused(rpc.ledger, "create_voucher", cid, {"date": "2026-01-09", "lines": [
        line("1122", debit="1.00", aux_item="C002"), line("5001", credit="1.00")]}, context=ctx)
    assert error.code == "AUX_ITEM_REQUIRED" and error.details["reason"] == "disabled"


def test_unknown_vouchers_and_bad_ids(rpc, agency_a, book):
    cid, ctx = book["client_id"], agency_a.accountant.context()
    for voucher_id in (str(uuid.uuid4()), "not-a-uuid"):
        for method in ("get_voucher", "delete_voucher", "review_voucher", "post_voucher"):
            error = refused(rpc.ledger, method, cid, voucher_id, context=agency_a.supervisor.context())
            assert (error.code, error.status) == ("VOUCHER_NOT_FOUND", 404)
    error = refused(rpc.ledger, "create_voucher", str(uuid.uuid4()), voucher_payload(), context=ctx)
    assert (error.code, error.status) == ("BOOK_NOT_FOUND", 404)


def test_templates_on_accounts_with_a_dimension(rpc, agency_a, prepared_book):
    cid, ctx = prepared_book["client_id"], agency_a.accountant.context()
    error = refused(rpc.ledger, "create_template", cid, {"name": "收款", "lines": [
        {"account": "100201", "side": "debit"}, {"account": "1122", "side": "credit"}]}, context=ctx)
    assert (error.code, error.status) == ("AUX_ITEM_REQUIRED", 400)
    template = rpc.ledger("create_template", cid, {"name": "收款", "lines": [
        {"account": "100201", "side": "debit"}, {"account": "1122", "side": "credit", "aux_item": "C001"}]},
        context=ctx)
    made = rpc.ledger("voucher_from_template", cid, template["id"], {"date": "2026-01-05",
                                                                     "amounts": ["88.00", "88.00"]}, context=ctx)
    assert made["lines"][1]["aux_item"]["code"] == "C001" and made["total"] == "88.00"
    for bad, code in (
            ({"name": "x", "lines": [{"account": "1002", "side": "debit"}, {"account": "1001", "side": "credit"}]},
             "ACCOUNT_NOT_LEAF"),
            ({"name": "x", "lines": [{"account": "1001", "side": "left"}, {"account": "3001", "side": "credit"}]},
             "VALIDATION_FAILED"),
            ({"name": "x", "lines": [{"account": "1001", "side": "debit"}]}, "VALIDATION_FAILED")):
        error = refused(rpc.ledger, "create_template", cid, bad, context=ctx)
        assert (error.code, error.status) == (code, 400)
