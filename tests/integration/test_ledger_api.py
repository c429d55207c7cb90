"""The ledger through the gateway, the example flow end to end: a client's book, an
accountant enters vouchers, someone else reviews them, they are posted, and the
trial balance, the detail ledger and the posted-entries feed agree to the 分. Then
the things a posted voucher may not do, and its 红字 reversal. Helpers here are
shared by the other test_ledger_* modules."""
import uuid
from decimal import Decimal

from .conftest import assert_error, create_user
from .test_clients_api import create_client

START = "2026-01"


def book_path(client_id):
    return f"/api/v1/clients/{client_id}"


def open_book(admin, start_period=START, **settings):
    """A new client company of admin's agency and its book; returns (path, book)."""
    client = create_client(admin)
    path = book_path(client["id"])
    resp = admin.post(path + "/books", {"standard": "small_business_2013", "start_period": start_period, **settings})
    assert resp.status_code == 201, resp.text
    return path, resp.json()


def assign(admin, path, user, role="accountant"):
    resp = admin.request("PUT", path + f"/assignments/{role}", json_body={"user_id": user.user["id"]})
    assert resp.status_code == 200, resp.text


def line(account, debit=None, credit=None, summary="摘要", **extra):
    body = {"summary": summary, "account": account, **extra}
    if debit is not None:
        body["debit"] = debit
    if credit is not None:
        body["credit"] = credit
    return body


def voucher(day, *lines, word="记", **extra):
    return {"date": day, "word": word, "lines": list(lines), **extra}


def enter(api, path, body, key=None):
    resp = api.post(path + "/vouchers", body, headers={"Idempotency-Key": key} if key else None)
    assert resp.status_code == 201, resp.text
    return resp.json()


def act(api, path, voucher_id, action):
    resp = api.post(f"{path}/vouchers/{voucher_id}/{action}", {})
    assert resp.status_code == 200, resp.text
    return resp.json()


def vouchers(api, path, **params):
    resp = api.get(path + "/vouchers", params={"page_size": 500, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()


def trial_rows(api, path, **params):
    resp = api.get(path + "/trial-balance", params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return body, {row["account"]: row for row in body["rows"]}


def money(value):
    """A wire amount: a string with exactly two decimals (never a JSON number)."""
    assert isinstance(value, str) and value.rpartition(".")[2].isdigit() and len(value.rpartition(".")[2]) == 2, value
    return Decimal(value)


def net_debit(row, prefix):
    return money(row[prefix + "_debit"]) - money(row[prefix + "_credit"])


def test_the_example_flow_book_voucher_review_post_trial_balance(platform, agency_admin):
    accountant = create_user(agency_admin, ["accountant"], name="秦会计")
    supervisor = create_user(agency_admin, ["supervisor"], name="韩主管")
    path, book = open_book(agency_admin)
    assign(agency_admin, path, accountant)
    assert book["standard"] == "small_business_2013" and book["start_period"] == START
    assert accountant.get(path + "/book").json()["id"] == book["id"]
    accounts = {a["code"]: a for a in accountant.get(path + "/accounts").json()["items"]}
    assert accounts["1002"]["name"] == "银行存款" and accounts["1002"]["is_leaf"] is True
    assert len(accounts) == 66  # the 小企业会计准则 chart

    capital = enter(accountant, path, voucher("2026-01-05", line("1002", debit="100000.00", summary="收到投资款"),
                                              line("3001", credit="100000.00", summary="收到投资款")),
                    key=str(uuid.uuid4()))
    office = enter(accountant, path, voucher("2026-01-20", line("5602", debit="1234.50", summary="报销办公费"),
                                             line("1002", credit="1234.50", summary="报销办公费")))
    sale = enter(accountant, path, voucher("2026-01-25", line("1122", debit="11300.00", summary="销售商品"),
                                           line("5001", credit="10000.00", summary="销售商品"),
                                           line("2221", credit="1300.00", summary="销项税额"), attachments=2))
    assert [v["number"] for v in (capital, office, sale)] == [1, 2, 3]
    assert capital["status"] == "draft" and capital["period"] == START and capital["word"] == "记"
    assert capital["total"] == "100000.00" and sale["total"] == "11300.00" and sale["attachments"] == 2
    assert [(ln["account"], ln["account_name"], ln["debit"], ln["credit"]) for ln in sale["lines"]][0][:3] == (
        "1122", "应收账款", "11300.00")
    assert capital["created_by"] == accountant.user["id"]

    # the one who entered a voucher may not review it; someone else may
    refused = assert_error(accountant.post(f"{path}/vouchers/{capital['id']}/review", {}), 403,
                           "SELF_REVIEW_FORBIDDEN")
    assert refused["message"] and refused["message_en"]
    assert_error(accountant.post(f"{path}/vouchers/{capital['id']}/post", {}), 409)  # a draft is not posted
    for v in (capital, office, sale):
        reviewed = act(supervisor, path, v["id"], "review")
        assert reviewed["status"] == "reviewed" and reviewed["reviewed_by"] == supervisor.user["id"]
        posted = act(accountant, path, v["id"], "post")
        assert posted["status"] == "posted" and posted["posted_by"] == accountant.user["id"]

    body, rows = trial_rows(accountant, path, period=START)
    assert body["balanced"] is True
    expected = {  # account: (period debit, period credit, closing balance on the debit side)
        "1002": ("100000.00", "1234.50", Decimal("98765.50")),
        "3001": ("0.00", "100000.00", Decimal("-100000.00")),
        "5602": ("1234.50", "0.00", Decimal("1234.50")),
        "1122": ("11300.00", "0.00", Decimal("11300.00")),
        "5001": ("0.00", "10000.00", Decimal("-10000.00")),
        "2221": ("0.00", "1300.00", Decimal("-1300.00")),
    }
    for account, (debit, credit, closing) in expected.items():
        row = rows[account]
        assert (row["period_debit"], row["period_credit"]) == (debit, credit), row
        assert net_debit(row, "closing") == closing and net_debit(row, "opening") == 0, row
    moved = {code for code, row in rows.items()
             if any(money(row[key]) for key in ("opening_debit", "opening_credit", "period_debit", "period_credit"))}
    assert moved == set(expected)
    totals = body["totals"]
    assert totals["period_debit"] == totals["period_credit"] == "112534.50"
    assert totals["closing_debit"] == totals["closing_credit"] == "111300.00"
    assert totals["opening_debit"] == totals["opening_credit"] == "0.00"
    # the same through from/to
    ranged, _ = trial_rows(accountant, path, **{"from": START, "to": "2026-03"})
    assert ranged["totals"]["period_debit"] == "112534.50" and ranged["balanced"] is True

    detail = accountant.get(path + "/ledgers/detail", params={"account": "1002", "from": START, "to": "2026-03"})
    assert detail.status_code == 200, detail.text
    assert "98765.50" in detail.text and "1234.50" in detail.text
    journal = accountant.get(path + "/journal", params={"period": START})
    assert journal.status_code == 200 and "11300.00" in journal.text, journal.text
    general = accountant.get(path + "/ledgers/general", params={"period": START, "account": "1002"})
    assert general.status_code == 200 and "98765.50" in general.text, general.text

    listed = vouchers(accountant, path, period=START)
    assert {v["id"] for v in listed["items"]} == {capital["id"], office["id"], sale["id"]}
    assert vouchers(accountant, path, period=START, status="draft")["items"] == []
    feed = accountant.get(path + "/posted-entries", params={"after_sequence": 0, "limit": 100})
    assert feed.status_code == 200, feed.text
    entries = feed.json()["items"]
    assert [e["id"] for e in entries] == [capital["id"], office["id"], sale["id"]]
    sequences = [e["posted_sequence"] for e in entries]
    assert sequences == sorted(sequences) and feed.json()["last_sequence"] == sequences[-1]
    later = accountant.get(path + "/posted-entries", params={"after_sequence": sequences[0]}).json()["items"]
    assert [e["id"] for e in later] == [office["id"], sale["id"]]


def test_idempotent_create_and_a_posted_voucher_is_only_reversed(platform, agency_admin):
    path, _ = open_book(agency_admin, allow_self_review=True)
    body = voucher("2026-02-03", line("1001", debit="800.00", summary="提现"), line("1002", credit="800.00", summary="提现"))
    key = str(uuid.uuid4())
    first = enter(agency_admin, path, body, key=key)
    again = agency_admin.post(path + "/vouchers", body, headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert vouchers(agency_admin, path)["total"] == 1

    # a draft changes with the version it was read at; a stale version is refused
    changed = agency_admin.request("PUT", f"{path}/vouchers/{first['id']}", json_body={
        "version": first["version"], "lines": [line("1001", debit="900.00", summary="提现"),
                                               line("1002", credit="900.00", summary="提现")]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["total"] == "900.00" and changed.json()["version"] > first["version"]
    assert_error(agency_admin.request("PUT", f"{path}/vouchers/{first['id']}", json_body={
        "version": first["version"], "attachments": 1}), 409, "VERSION_CONFLICT")

    act(agency_admin, path, first["id"], "review")  # the book allows self review
    act(agency_admin, path, first["id"], "post")
    posted = agency_admin.get(f"{path}/vouchers/{first['id']}").json()
    for refused in (agency_admin.request("PUT", f"{path}/vouchers/{first['id']}",
                                         json_body={"version": posted["version"], "attachments": 3}),
                    agency_admin.delete(f"{path}/vouchers/{first['id']}"),
                    agency_admin.post(f"{path}/vouchers/{first['id']}/unreview", {})):
        error = assert_error(refused, 409)
        assert error["code"] in ("VOUCHER_POSTED", "VOUCHER_STATUS") and error["message"] and error["message_en"]
    assert agency_admin.get(f"{path}/vouchers/{first['id']}").json() == posted  # untouched

    resp = agency_admin.post(f"{path}/vouchers/{first['id']}/reverse", {"date": "2026-02-28"})
    assert resp.status_code == 201, resp.text
    red = resp.json()
    assert red["source"] == "reversal" and red["reversal_of"] == first["id"]
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in red["lines"]] == [
        (ln["account"], f"-{ln['debit']}" if ln["debit"] else ln["debit"],
         f"-{ln['credit']}" if ln["credit"] else ln["credit"]) for ln in posted["lines"]]
    assert agency_admin.get(f"{path}/vouchers/{first['id']}").json()["reversed_by"] == red["id"]
    if red["status"] != "posted":
        if red["status"] == "draft":
            act(agency_admin, path, red["id"], "review")
        act(agency_admin, path, red["id"], "post")
    balance, rows = trial_rows(agency_admin, path, period="2026-02")
    assert balance["balanced"] is True
    # 红字: the negated lines cancel the original on the same side, so nothing is left to show
    for code in ("1001", "1002"):
        assert code not in rows or not any(money(value) for key, value in rows[code].items()
                                           if key.endswith(("_debit", "_credit"))), rows[code]
    assert balance["totals"]["closing_debit"] == balance["totals"]["closing_credit"] == "0.00"
    assert_error(agency_admin.post(f"{path}/vouchers/{first['id']}/reverse", {}), 409)  # only once

    # a draft may be deleted, and its number is then a gap until renumbering
    drafts = [enter(agency_admin, path, body) for _ in range(2)]
    resp = agency_admin.delete(f"{path}/vouchers/{drafts[0]['id']}")
    assert resp.status_code == 204, resp.text
    assert_error(agency_admin.get(f"{path}/vouchers/{drafts[0]['id']}"), 404, "VOUCHER_NOT_FOUND")
    resp = agency_admin.post(path + "/vouchers/renumber", {"period": "2026-02"})
    assert resp.status_code == 200, resp.text
    numbers = sorted(v["number"] for v in vouchers(agency_admin, path, period="2026-02")["items"])
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_batch_larger_than_an_ordinary_body_goes_through_whole(platform, agency_admin):
    """MAX_JSON_BODY_BYTES (1 MiB) bounds ordinary bodies; a voucher batch has its own
    MAX_BULK_JSON_BODY_BYTES, so the ledger's limit of 10,000 vouchers is reachable."""
    path, _ = open_book(agency_admin)
    summary = "收到西安某某商贸有限公司货款" * 3
    batch = [voucher(f"2026-01-{1 + i % 28:02d}", line("1002", debit=f"{100 + i}.25", summary=summary),
                     line("1122", credit=f"{100 + i}.25", summary=summary)) for i in range(2500)]
    resp = agency_admin.post(path + "/vouchers/batch", {"vouchers": batch})
    assert len(resp.request.body) > 1024 * 1024
    assert resp.status_code == 201, resp.text[:300]
    assert resp.json()["count"] == 2500
    assert vouchers(agency_admin, path, period="2026-01", page_size=1)["total"] == 2500
    # an ordinary route still refuses such a body
    too_big = agency_admin.post(path + "/vouchers", {"date": "2026-01-05", "lines": [], "note": "x" * (1024 * 1024)})
    assert too_big.status_code == 413
