"""Who sees which book, through the gateway: another agency gets 404 for everything
of ours; an accountant sees a book only while assigned to its client; a client user
reads their own company's book and changes nothing; an assistant enters vouchers
but does not review or post them."""
import time

from .conftest import assert_error, create_user, register_agency
from .test_ledger_api import act, assign, enter, line, open_book, voucher

CASH = voucher("2026-01-10", line("1001", debit="500.00", summary="备用金"), line("1002", credit="500.00", summary="备用金"))


def reads(path, voucher_id):
    return [path + "/book", path + "/accounts", path + "/vouchers", f"{path}/vouchers/{voucher_id}",
            path + "/trial-balance?period=2026-01", path + "/periods", path + "/opening-balances",
            path + "/journal?period=2026-01", path + "/posted-entries"]


def eventually(check, seconds=10):
    """assignment_changed reaches the ledger as an event: give it a moment."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within time"
        time.sleep(0.2)


def test_another_agency_sees_nothing_of_our_books(platform, anon, agency_admin):
    path, _ = open_book(agency_admin, allow_self_review=True)
    ours = enter(agency_admin, path, CASH)
    theirs = register_agency(platform, anon, name="咸阳丁财税")
    for url in reads(path, ours["id"]):
        error = assert_error(theirs.get(url), 404)
        assert error["code"] in ("BOOK_NOT_FOUND", "VOUCHER_NOT_FOUND", "CLIENT_NOT_FOUND"), url
    assert_error(theirs.post(path + "/vouchers", CASH), 404)
    assert_error(theirs.post(f"{path}/vouchers/{ours['id']}/review", {}), 404)
    assert_error(theirs.patch(path + "/book", {"allow_self_review": False}), 404)
    assert_error(theirs.post(path + "/books", {"standard": "enterprise", "start_period": "2026-01"}), 404)
    # their own batch close does not reach our book
    resp = theirs.post("/api/v1/batch-close", {"period": "2026-01"})
    assert resp.status_code == 202, resp.text
    job_path = f"/api/v1/jobs/{resp.json()['id']}"
    eventually(lambda: theirs.get(job_path).json()["status"] not in ("pending", "queued", "running"))
    job = theirs.get(job_path).json()
    assert job["total"] == 0 and job["items"] == [], job  # they have no books, ours are not theirs
    assert_error(agency_admin.get(job_path), 404)  # nor is their job ours
    assert agency_admin.get(f"{path}/vouchers/{ours['id']}").json()["status"] == "draft"


def test_an_accountant_sees_a_book_only_while_assigned(platform, agency_admin):
    accountant = create_user(agency_admin, ["accountant"], name="魏会计")
    path, _ = open_book(agency_admin)
    first = enter(agency_admin, path, CASH)
    for url in reads(path, first["id"]):
        assert_error(accountant.get(url), 404)
    assert_error(accountant.post(path + "/vouchers", CASH), 404, "BOOK_NOT_FOUND")

    assign(agency_admin, path, accountant)
    assert accountant.get(path + "/book").status_code == 200  # at once: the ledger asks clients
    for url in reads(path, first["id"]):
        assert accountant.get(url).status_code == 200, url
    mine = enter(accountant, path, CASH)
    act(accountant, path, first["id"], "review")  # entered by the admin, so the accountant may review it

    resp = agency_admin.delete(path + "/assignments/accountant")
    assert resp.status_code == 200, resp.text
    eventually(lambda: accountant.get(path + "/book").status_code == 404)
    assert_error(accountant.get(f"{path}/vouchers/{mine['id']}"), 404)
    assert_error(accountant.post(f"{path}/vouchers/{mine['id']}/review", {}), 404)


def test_a_client_user_reads_their_own_book_and_changes_nothing(platform, agency_admin):
    path, _ = open_book(agency_admin, allow_self_review=True)
    other_path, _ = open_book(agency_admin)
    draft = enter(agency_admin, path, CASH)
    owner = create_user(agency_admin, ["client"], name="蒋老板", client_id=path.rsplit("/", 1)[1])
    for url in reads(path, draft["id"])[:-1]:
        assert owner.get(url).status_code == 200, url
    assert_error(owner.get(path + "/posted-entries"), 403, "FORBIDDEN")  # the export feed is for staff
    assert_error(owner.get(other_path + "/book"), 404, "BOOK_NOT_FOUND")
    writes = [
        owner.post(path + "/vouchers", CASH),
        owner.request("PUT", f"{path}/vouchers/{draft['id']}", json_body={"version": draft["version"], "attachments": 1}),
        owner.delete(f"{path}/vouchers/{draft['id']}"),
        owner.post(f"{path}/vouchers/{draft['id']}/review", {}),
        owner.post(f"{path}/vouchers/{draft['id']}/post", {}),
        owner.patch(path + "/book", {"allow_self_review": False}),
        owner.post(path + "/accounts", {"parent_code": "1002", "name": "招商银行"}),
        owner.request("PUT", path + "/opening-balances", json_body={"items": []}),
        owner.post(path + "/periods/2026-01/close", {}),
    ]
    for resp in writes:
        assert_error(resp, 403, "FORBIDDEN")
    assert owner.get(f"{path}/vouchers/{draft['id']}").json()["status"] == "draft"


def test_an_assistant_enters_but_does_not_review_or_post(platform, agency_admin):
    assistant = create_user(agency_admin, ["assistant"], name="沈助理")
    path, _ = open_book(agency_admin)
    assign(agency_admin, path, assistant, role="assistant")
    entered = enter(assistant, path, CASH)
    assert_error(assistant.post(f"{path}/vouchers/{entered['id']}/review", {}), 403, "FORBIDDEN")
    act(agency_admin, path, entered["id"], "review")
    assert_error(assistant.post(f"{path}/vouchers/{entered['id']}/post", {}), 403, "FORBIDDEN")
    assert act(agency_admin, path, entered["id"], "post")["status"] == "posted"
