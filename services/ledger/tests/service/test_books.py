"""Books, accounts, auxiliary items and opening balances over real RPC."""
import pytest

from servicekit.errors import AppError

from .conftest import book_payload, line, voucher_payload


def test_a_book_is_made_from_the_chart_template(rpc, agency_a, new_client, event_tap):
    tap = event_tap("book_created")
    client = new_client(agency_a.admin)
    ctx = agency_a.admin.context()
    book = rpc.ledger("create_book", client["id"], book_payload(voucher_words=["收", "付", "转"]), context=ctx)
    assert book["client_id"] == client["id"] and book["name"] == client["name"]
    assert book["standard"] == "small_business_2013" and book["start_period"] == "2026-01"
    assert book["currency"] == "CNY" and book["voucher_words"] == ["收", "付", "转"]
    assert book["allow_self_review"] is False and book["opening_balanced"] is True
    assert book["current_period"] == "2026-01"
    assert rpc.ledger("get_book", client["id"], context=ctx) == book

    accounts = rpc.ledger("list_accounts", client["id"], {}, context=ctx)["items"]
    assert len(accounts) == 66
    by_code = {a["code"]: a for a in accounts}
    assert by_code["1002"] == {"code": "1002", "name": "银行存款", "class": "资产", "direction": "debit",
                               "is_leaf": True, "auxiliary": [], "enabled": True, "level": 1, "parent_code": None,
                               "is_standard": True}
    assert by_code["5403"]["name"] == "税金及附加" and by_code["2202"]["direction"] == "credit"

    event = tap.wait_for(lambda m: m["body"]["aggregate_id"] == book["id"])["body"]
    assert event["event_type"] == "book_created" and event["sequence"] == 1
    assert event["data"]["book"]["standard"] == "small_business_2013"


def test_one_book_per_client(rpc, agency_a, new_book):
    client, _ = new_book(agency_a.admin)
    with pytest.raises(AppError) as caught:
        rpc.ledger("create_book", client["id"], book_payload(), context=agency_a.admin.context())
    assert caught.value.code == "BOOK_EXISTS" and caught.value.status == 409


def test_enterprise_chart(rpc, agency_a, new_book):
    client, book = new_book(agency_a.supervisor, standard="enterprise", start_period="2026-03")
    accounts = rpc.ledger("list_accounts", client["id"], {}, context=agency_a.supervisor.context())["items"]
    assert len(accounts) == 103 and book["current_period"] == "2026-03"
    assert {a["code"] for a in accounts} >= {"1001", "6001", "6403", "6702"}


def refused(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_create_book_refusals(rpc, agency_a, agency_b, new_client):
    client = new_client(agency_a.admin)
    ctx = agency_a.admin.context()
    for client_id in ("nonsense", "7b0d1c1e-0000-4000-8000-000000000000"):
        error = refused(rpc.ledger, "create_book", client_id, book_payload(), context=ctx)
        assert (error.code, error.status) == ("CLIENT_NOT_FOUND", 404)
    # another agency's client does not exist for this caller
    error = refused(rpc.ledger, "create_book", client["id"], book_payload(), context=agency_b.admin.context())
    assert (error.code, error.status) == ("CLIENT_NOT_FOUND", 404)
    for bad in ({"standard": "ifrs", "start_period": "2026-01"}, {"standard": "enterprise"},
                {"standard": "enterprise", "start_period": "2026-13"}, {**book_payload(), "voucher_words": []},
                {**book_payload(), "voucher_words": ["记", "记"]}, {**book_payload(), "voucher_words": ["甲"]},
                {**book_payload(), "owner": "me"}):
        error = refused(rpc.ledger, "create_book", client["id"], bad, context=ctx)
        assert (error.code, error.status) == ("VALIDATION_FAILED", 400), bad
    # an assistant may not set up books
    error = refused(rpc.ledger, "create_book", client["id"], book_payload(), context=agency_a.assistant.context())
    assert (error.code, error.status) == ("FORBIDDEN", 403)
    assert refused(rpc.ledger, "get_book", client["id"], context=ctx).code == "BOOK_NOT_FOUND"


def test_sub_accounts_4_2_2_2(rpc, agency_a, new_book):
    client, _ = new_book(agency_a.admin)
    cid, ctx = client["id"], agency_a.admin.context()
    first = rpc.ledger("add_account", cid, {"parent_code": "1002", "name": "工商银行"}, context=ctx)
    assert first == {"code": "100201", "name": "工商银行", "class": "资产", "direction": "debit", "is_leaf": True,
                     "auxiliary": [], "enabled": True, "level": 2, "parent_code": "1002", "is_standard": False}
    assert rpc.ledger("add_account", cid, {"parent_code": "1002", "name": "建设银行"}, context=ctx)["code"] == "100202"
    assert rpc.ledger("add_account", cid, {"parent_code": "1002", "code": "100209", "name": "招商银行"},
                      context=ctx)["code"] == "100209"
    assert rpc.ledger("add_account", cid, {"parent_code": "1002", "name": "农业银行"}, context=ctx)["code"] == "100210"
    third = rpc.ledger("add_account", cid, {"parent_code": "100201", "name": "基本户"}, context=ctx)
    assert third["code"] == "10020101" and third["level"] == 3
    fourth = rpc.ledger("add_account", cid, {"parent_code": "10020101", "name": "人民币"}, context=ctx)
    assert fourth["code"] == "1002010101" and fourth["level"] == 4
    error = refused(rpc.ledger, "add_account", cid, {"parent_code": "1002010101", "name": "再下一级"}, context=ctx)
    assert (error.code, error.status) == ("ACCOUNT_TOO_DEEP", 400)
    accounts = {a["code"]: a for a in rpc.ledger("list_accounts", cid, {}, context=ctx)["items"]}
    assert accounts["1002"]["is_leaf"] is False and accounts["100201"]["is_leaf"] is False
    assert accounts["10020101"]["is_leaf"] is False and accounts["1002010101"]["is_leaf"] is True
    leaves = rpc.ledger("list_accounts", cid, {"leaf_only": True, "q": "1002"}, context=ctx)["items"]
    assert [a["code"] for a in leaves] == ["1002010101", "100202", "100209", "100210"]  # byte order

    for payload, code, status in (
            ({"parent_code": "1002", "code": "100201", "name": "重复"}, "ACCOUNT_EXISTS", 409),
            ({"parent_code": "1002", "code": "100301", "name": "错位"}, "ACCOUNT_CODE_INVALID", 400),
            ({"parent_code": "1002", "code": "100200", "name": "零"}, "ACCOUNT_CODE_INVALID", 400),
            ({"parent_code": "1002", "name": "工商银行"}, "ACCOUNT_NAME_EXISTS", 409),
            ({"parent_code": "9999", "name": "无上级"}, "ACCOUNT_NOT_FOUND", 404),
            ({"parent_code": "1002", "code": "1002x1", "name": "坏"}, "VALIDATION_FAILED", 400),
            ({"parent_code": "1002", "name": ""}, "VALIDATION_FAILED", 400),
            ({"parent_code": "1122", "name": "双维度", "auxiliary": ["customer", "project"]}, "VALIDATION_FAILED", 400)):
        error = refused(rpc.ledger, "add_account", cid, payload, context=ctx)
        assert (error.code, error.status) == (code, status), payload


def test_first_sub_account_needs_an_empty_account(rpc, agency_a, new_book):
    client, _ = new_book(agency_a.admin)
    cid, ctx, sup = client["id"], agency_a.admin.context(), agency_a.supervisor.context()
    # a draft line is enough to refuse
    draft = rpc.ledger("create_voucher", cid, voucher_payload(debit="1002"), context=ctx)
    error = refused(rpc.ledger, "add_account", cid, {"parent_code": "1002", "name": "工商银行"}, context=ctx)
    assert (error.code, error.status) == ("ACCOUNT_HAS_POSTINGS", 409)
    assert "voucher" in error.message_en and "凭证" in error.message
    rpc.ledger("delete_voucher", cid, draft["id"], context=ctx)
    # an opening balance too
    rpc.ledger("set_opening_balances", cid, {"items": [{"account": "1001", "debit": "10.00"},
                                                       {"account": "3001", "credit": "10.00"}]}, context=ctx)
    error = refused(rpc.ledger, "add_account", cid, {"parent_code": "1001", "name": "人民币"}, context=ctx)
    assert error.code == "ACCOUNT_HAS_POSTINGS"
    # and a posted voucher
    posted = rpc.ledger("create_voucher", cid, voucher_payload(debit="1012", amount="5.00"), context=ctx)
    rpc.ledger("review_voucher", cid, posted["id"], context=sup)
    rpc.ledger("post_voucher", cid, posted["id"], context=sup)
    assert refused(rpc.ledger, "add_account", cid, {"parent_code": "1012", "name": "x"},
                   context=ctx).code == "ACCOUNT_HAS_POSTINGS"
    assert rpc.ledger("add_account", cid, {"parent_code": "1002", "name": "工商银行"}, context=ctx)["code"] == "100201"


def test_disabling_accounts(rpc, agency_a, new_book):
    client, _ = new_book(agency_a.admin)
    cid, ctx, sup = client["id"], agency_a.admin.context(), agency_a.supervisor.context()
    rpc.ledger("add_account", cid, {"parent_code": "1002", "name": "工商银行"}, context=ctx)
    voucher = rpc.ledger("create_voucher", cid, voucher_payload(debit="100201", amount="50.00"), context=ctx)
    error = refused(rpc.ledger, "update_account", cid, "100201", {"enabled": False}, context=ctx)
    assert (error.code, error.status) == ("ACCOUNT_IN_USE", 409)
    rpc.ledger("review_voucher", cid, voucher["id"], context=sup)
    rpc.ledger("post_voucher", cid, voucher["id"], context=sup)
    for code in ("100201", "1002"):
        error = refused(rpc.ledger, "update_account", cid, code, {"enabled": False}, context=ctx)
        assert (error.code, error.status) == ("ACCOUNT_HAS_BALANCE", 409) and error.details["balance"] == "50.00"
    # move the money out: the balance is zero, the account can go
    out = rpc.ledger("create_voucher", cid, {"date": "2026-01-20", "lines": [
        line("1001", debit="50.00"), line("100201", credit="50.00")]}, context=ctx)
    rpc.ledger("review_voucher", cid, out["id"], context=sup)
    rpc.ledger("post_voucher", cid, out["id"], context=sup)
    disabled = rpc.ledger("update_account", cid, "1002", {"enabled": False}, context=ctx)
    assert disabled["enabled"] is False
    child = [a for a in rpc.ledger("list_accounts", cid, {"q": "100201"}, context=ctx)["items"]][0]
    assert child["enabled"] is False  # the subtree follows
    error = refused(rpc.ledger, "update_account", cid, "100201", {"enabled": True}, context=ctx)
    assert error.code == "ACCOUNT_DISABLED"
    assert rpc.ledger("update_account", cid, "1002", {"enabled": True, "name": "银行存款（本币）"},
                      context=ctx)["name"] == "银行存款（本币）"
    assert refused(rpc.ledger, "update_account", cid, "1002", {"auxiliary": ["project"]},
                   context=ctx).code == "ACCOUNT_NOT_LEAF"
    assert refused(rpc.ledger, "update_account", cid, "1001", {"auxiliary": ["project"]},
                   context=ctx).code == "ACCOUNT_HAS_POSTINGS"
    assert refused(rpc.ledger, "update_account", cid, "9999", {"name": "x"}, context=ctx).code == "ACCOUNT_NOT_FOUND"


def test_aux_items(rpc, agency_a, new_book):
    client, _ = new_book(agency_a.admin)
    cid, ctx = client["id"], agency_a.admin.context()
    item = rpc.ledger("add_aux_item", cid, {"kind": "project", "code": "P01", "name": "一期工程"}, context=ctx)
    assert item["kind"] == "project" and item["enabled"] is True
    error = refused(rpc.ledger, "add_aux_item", cid, {"kind": "project", "code": "P01", "name": "重复"}, context=ctx)
    assert (error.code, error.status) == ("AUX_ITEM_EXISTS", 409)
    rpc.ledger("add_aux_item", cid, {"kind": "customer", "code": "P01", "name": "同码不同类"}, context=ctx)
    renamed = rpc.ledger("update_aux_item", cid, item["id"], {"name": "一期", "enabled": False}, context=ctx)
    assert renamed["name"] == "一期" and renamed["enabled"] is False
    assert [i["code"] for i in rpc.ledger("list_aux_items", cid, {"enabled": False}, context=ctx)["items"]] == ["P01"]
    for bad in ({"kind": "vendor", "code": "V", "name": "x"}, {"kind": "project", "code": "", "name": "x"},
                {"kind": "project", "code": "P2"}):
        assert refused(rpc.ledger, "add_aux_item", cid, bad, context=ctx).code == "VALIDATION_FAILED"
    assert refused(rpc.ledger, "update_aux_item", cid, "nope", {"name": "x"}, context=ctx).code == "AUX_ITEM_NOT_FOUND"


def test_list_books(rpc, agency_a, new_book):
    _, book = new_book(agency_a.admin)
    listed = rpc.ledger("list_books", {"page_size": 500}, context=agency_a.supervisor.context())
    assert book["id"] in {b["id"] for b in listed["items"]} and listed["total"] >= 1
