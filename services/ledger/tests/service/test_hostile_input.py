"""Hostile input over real RPC (issue 9): amounts past NUMERIC(20,2), nulls for NOT NULL
columns, malformed ids, an empty upload — each a 4xx naming what is wrong, never a
500, and nothing written."""
import base64

import pytest
from sqlalchemy import text

from servicekit.errors import AppError

from .conftest import line

BIGGEST = "999999999999999999.99"


def refused(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def voucher_count(ledger_db, book_id):
    with ledger_db.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM vouchers WHERE book_id = :b"), {"b": book_id}).scalar()


@pytest.fixture
def book(new_book, agency_a):
    client, book = new_book(agency_a.admin, staff={"accountant": agency_a.accountant})
    return {"client_id": client["id"], **book}


def test_a_voucher_whose_total_does_not_fit_is_refused(rpc, agency_a, book, ledger_db):
    cid, ctx = book["client_id"], agency_a.accountant.context()
    payload = {"date": "2026-01-15", "lines": [line("1001", debit=BIGGEST), line("1002", debit=BIGGEST),
                                                line("3001", credit=BIGGEST), line("2202", credit=BIGGEST)]}
    error = refused(rpc.ledger, "create_voucher", cid, payload, context=ctx)
    assert (error.code, error.status) == ("AMOUNT_OUT_OF_RANGE", 400)
    assert error.details["field"] == "total" and error.message and error.message_en
    error = refused(rpc.ledger, "create_vouchers", cid, {"vouchers": [payload]}, context=ctx)
    assert (error.code, error.status) == ("BATCH_INVALID", 400)
    assert error.details["errors"][0]["code"] == "AMOUNT_OUT_OF_RANGE"
    assert voucher_count(ledger_db, book["id"]) == 0


def test_posting_past_what_a_balance_holds_is_refused_and_posts_nothing(rpc, agency_a, book, ledger_db):
    cid, acc, sup = book["client_id"], agency_a.accountant.context(), agency_a.supervisor.context()

    def reviewed(amount):
        voucher = rpc.ledger("create_voucher", cid, {"date": "2026-01-15", "lines": [
            line("1001", debit=amount), line("3001", credit=amount)]}, context=acc)
        rpc.ledger("review_voucher", cid, voucher["id"], context=sup)
        return voucher

    first = reviewed(BIGGEST)
    assert rpc.ledger("post_voucher", cid, first["id"], context=sup)["status"] == "posted"
    one_more = reviewed("0.01")
    error = refused(rpc.ledger, "post_voucher", cid, one_more["id"], context=sup)
    assert (error.code, error.status) == ("AMOUNT_OUT_OF_RANGE", 409)
    assert error.details["accounts"] == ["1001", "3001"] and error.message and error.message_en
    assert rpc.ledger("get_voucher", cid, one_more["id"], context=sup)["status"] == "reviewed"
    # the batch path refuses the same way, and a movement too big by itself as well
    error = refused(rpc.ledger, "post_vouchers", cid, {"ids": [one_more["id"]]}, context=sup)
    assert error.code == "AMOUNT_OUT_OF_RANGE"
    with ledger_db.connect() as conn:
        sums = conn.execute(text("SELECT account_code, debit, credit FROM period_balances WHERE book_id = :b "
                                 "ORDER BY account_code"), {"b": book["id"]}).all()
        lines = conn.execute(text("SELECT count(*) FROM voucher_lines WHERE voucher_id = :v AND posted"),
                             {"v": one_more["id"]}).scalar()
    assert [(code, str(debit), str(credit)) for code, debit, credit in sums] == [
        ("1001", BIGGEST, "0.00"), ("3001", "0.00", BIGGEST)]
    assert lines == 0


def test_a_batch_whose_sum_on_one_account_does_not_fit_is_refused(rpc, agency_a, new_book):
    client, _book = new_book(agency_a.admin, allow_self_review=True)
    cid, ctx = client["id"], agency_a.admin.context()
    ids = [rpc.ledger("create_voucher", cid, {"date": "2026-01-15", "lines": [
        line("1001", debit="600000000000000000.00"), line("3001", credit="600000000000000000.00")]},
        context=ctx)["id"] for _ in range(2)]
    rpc.ledger("review_vouchers", cid, {"ids": ids}, context=ctx)
    error = refused(rpc.ledger, "post_vouchers", cid, {"ids": ids}, context=ctx)
    assert (error.code, error.status) == ("AMOUNT_OUT_OF_RANGE", 409)
    assert set(error.details["accounts"]) == {"1001", "3001"}


def test_null_for_a_not_null_column_is_refused(rpc, agency_a, book):
    cid, ctx = book["client_id"], agency_a.admin.context()
    error = refused(rpc.ledger, "update_account", cid, "1001", {"name": None}, context=ctx)
    assert (error.code, error.status) == ("VALIDATION_FAILED", 400) and "name" in error.details["fields"]
    item = rpc.ledger("add_aux_item", cid, {"kind": "customer", "code": "C01", "name": "西安甲公司"}, context=ctx)
    for field in ("code", "name"):
        error = refused(rpc.ledger, "update_aux_item", cid, item["id"], {field: None}, context=ctx)
        assert (error.code, error.status) == ("VALIDATION_FAILED", 400) and field in error.details["fields"]
    assert rpc.ledger("list_accounts", cid, {"q": "1001"}, context=ctx)["items"][0]["name"] == "库存现金"


@pytest.mark.parametrize("client_id", ["not-a-uuid", "", "\x00", "\ud800", "1" * 5000, "../../etc",
                                       "00000000-0000-0000-0000-00000000000g"])
def test_a_malformed_client_id_is_not_found(rpc, agency_a, client_id):
    ctx = agency_a.accountant.context()
    error = refused(rpc.ledger, "create_voucher", client_id, {"date": "2026-01-15", "lines": [
        line("1001", debit="1.00"), line("3001", credit="1.00")]}, context=ctx)
    assert (error.code, error.status) == ("BOOK_NOT_FOUND", 404)
    error = refused(rpc.ledger, "create_book", client_id, {"standard": "small_business_2013",
                                                           "start_period": "2026-01"},
                    context=agency_a.admin.context())
    assert (error.code, error.status) == ("CLIENT_NOT_FOUND", 404)


def test_an_empty_upload_is_refused_after_the_permission_check(rpc, agency_a, book, people):
    cid = book["client_id"]
    empty = {"filename": "v.csv", "content_type": "text/csv", "content_base64": base64.b64encode(b"").decode()}
    error = refused(rpc.ledger, "import_vouchers", cid, empty, context=agency_a.accountant.context())
    assert (error.code, error.status) == ("FILE_EMPTY", 400) and error.message and error.message_en
    owner = people.add(agency_a.admin, ["client"], name="刘老板", client_id=cid)  # may read, not write
    error = refused(rpc.ledger, "import_vouchers", cid, empty, context=owner.context())
    assert error.status == 403
