"""Who may touch which book, enforced by the ledger itself: tenancy, assignments (the
client_staff projection fed by clients' assignment_changed), and each role's rights."""
import time

import pytest
from sqlalchemy import text

from servicekit.errors import AppError

from .conftest import voucher_payload


def refused(call, *args, **kwargs):
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def wait_until(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def staff_rows(ledger_db, client_id):
    with ledger_db.connect() as conn:
        return {row.role: str(row.user_id) for row in conn.execute(
            text("SELECT role, user_id FROM client_staff WHERE client_id = :c"), {"c": client_id})}


def test_another_agency_sees_nothing(rpc, agency_a, agency_b, new_book):
    client, book = new_book(agency_a.admin)
    cid = client["id"]
    voucher = rpc.ledger("create_voucher", cid, voucher_payload(), context=agency_a.admin.context())
    outsider = agency_b.admin.context()
    for method, args in (("get_book", ()), ("list_accounts", ({},)), ("list_vouchers", ({},)),
                         ("get_voucher", (voucher["id"],)), ("create_voucher", (voucher_payload(),)),
                         ("review_voucher", (voucher["id"],)), ("delete_voucher", (voucher["id"],)),
                         ("get_opening_balances", ()), ("posted_entries", ({},)),
                         ("add_account", ({"parent_code": "1002", "name": "x"},))):
        error = refused(rpc.ledger, method, cid, *args, context=outsider)
        assert (error.code, error.status) == ("BOOK_NOT_FOUND", 404), method
    assert book["id"] not in {b["id"] for b in rpc.ledger("list_books", {"page_size": 500}, context=outsider)["items"]}
    assert rpc.ledger("get_voucher", cid, voucher["id"], context=agency_a.admin.context())["status"] == "draft"


def test_assignment_decides_what_an_accountant_sees(rpc, agency_a, new_book, ledger_db, assign):
    client, book = new_book(agency_a.admin)
    cid, acc = client["id"], agency_a.other_accountant
    error = refused(rpc.ledger, "get_book", cid, context=acc.context())
    assert (error.code, error.status) == ("BOOK_NOT_FOUND", 404)
    assert refused(rpc.ledger, "create_voucher", cid, voucher_payload(), context=acc.context()).code == "BOOK_NOT_FOUND"

    assign(agency_a.admin, cid, "accountant", acc)
    # the projection follows clients' assignment_changed event
    wait_until(lambda: staff_rows(ledger_db, cid).get("accountant") == acc.id)
    assert rpc.ledger("get_book", cid, context=acc.context())["id"] == book["id"]
    assert book["id"] in {b["id"] for b in rpc.ledger("list_books", {"page_size": 500}, context=acc.context())["items"]}
    assert rpc.ledger("create_voucher", cid, voucher_payload(), context=acc.context())["number"] == 1

    rpc.clients("unassign", cid, "accountant", context=agency_a.admin.context())
    wait_until(lambda: "accountant" not in staff_rows(ledger_db, cid))
    assert refused(rpc.ledger, "get_book", cid, context=acc.context()).code == "BOOK_NOT_FOUND"
    assert book["id"] not in {b["id"] for b in rpc.ledger("list_books", {"page_size": 500},
                                                          context=acc.context())["items"]}


def test_roles(rpc, agency_a, people, new_book):
    client, book = new_book(agency_a.admin, staff={"accountant": agency_a.accountant, "assistant": agency_a.assistant})
    other_client, _ = new_book(agency_a.admin)
    cid = client["id"]
    assistant, accountant = agency_a.assistant.context(), agency_a.accountant.context()
    voucher = rpc.ledger("create_voucher", cid, voucher_payload(), context=assistant)  # an assistant enters vouchers
    for method, args in (("review_voucher", (voucher["id"],)), ("post_voucher", (voucher["id"],)),
                         ("review_vouchers", ({"period": "2026-01"},)), ("add_account", ({"parent_code": "1002",
                                                                                         "name": "x"},)),
                         ("set_opening_balances", ({"items": []},)), ("export_vouchers", ({},))):
        error = refused(rpc.ledger, method, cid, *args, context=assistant)
        assert (error.code, error.status) == ("FORBIDDEN", 403), method
    rpc.ledger("review_voucher", cid, voucher["id"], context=accountant)

    owner = people.add(agency_a.admin, ["client"], name="刘老板", client_id=cid)
    mine = owner.context()
    assert rpc.ledger("get_book", cid, context=mine)["id"] == book["id"]
    assert rpc.ledger("list_vouchers", cid, {}, context=mine)["total"] == 1
    for method, args in (("create_voucher", (voucher_payload(),)), ("post_voucher", (voucher["id"],)),
                         ("delete_voucher", (voucher["id"],)), ("update_book", ({"allow_self_review": True},))):
        error = refused(rpc.ledger, method, cid, *args, context=mine)
        assert (error.code, error.status) == ("FORBIDDEN", 403), method
    assert refused(rpc.ledger, "get_book", other_client["id"], context=mine).code == "BOOK_NOT_FOUND"
    assert [b["id"] for b in rpc.ledger("list_books", {}, context=mine)["items"]] == [book["id"]]


def test_calls_without_a_signed_in_caller_are_refused(rpc, agency_a, new_book):
    client, _ = new_book(agency_a.admin)
    error = refused(rpc.ledger, "get_book", client["id"], context={})
    assert (error.code, error.status) == ("UNAUTHENTICATED", 401)
    error = refused(rpc.ledger, "get_book", client["id"], context={"auth": "{not json"})
    assert error.status == 401


def test_an_auth_context_without_the_platforms_signature_is_refused(rpc, agency_a, new_book):
    """Outside systems may read ledger.events from the broker; reaching the broker is
    not enough to call the ledger as someone (servicekit.auth signs every context)."""
    import json

    from servicekit.auth import SIGNATURE_KEY, signature

    client, _ = new_book(agency_a.admin)
    genuine = agency_a.accountant.context()
    raised = {**genuine, "auth": json.dumps({**json.loads(genuine["auth"]), "roles": ["admin"]})}
    for forged in (raised, {**raised, SIGNATURE_KEY: signature(raised["auth"], b"an-outsiders-own-key-0123456789ab")},
                   {key: value for key, value in raised.items() if key != SIGNATURE_KEY}):
        error = refused(rpc.ledger, "get_book", client["id"], context=forged)
        assert (error.code, error.status) == ("AUTH_CONTEXT_INVALID", 401)
    assert rpc.ledger("get_book", client["id"], context=agency_a.admin.context())["client_id"] == client["id"]
