"""Seed the demo books for `make run`, through the gateway's HTTP API like any user:
after the demo agency exists, a demo client company, a demo accountant assigned to
it, the company's book (小企业会计准则, from January of this year) and a few vouchers
entered by the accountant, reviewed and posted by the admin, so a newcomer sees a
trial balance at once. Running it again changes nothing: each step first looks for
what it would create."""
import sys
import time
from datetime import datetime, timedelta, timezone

import requests

DEMO_CLIENT = "西安演示商贸有限公司"
DEMO_CREDIT_CODE = "91610113MA6W0D3M18"  # valid check character, made up
DEMO_ACCOUNTANT = "accountant@demo.suanpan.cn"


class Gateway:
    def __init__(self, base, token=None):
        self.base, self.token = base.rstrip("/") + "/api/v1", token

    def call(self, method, path, body=None, expect=(200,), **kwargs):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kwargs.pop("headers", {}))
        resp = requests.request(method, self.base + path, json=body, headers=headers, timeout=30, **kwargs)
        if resp.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text[:500]}")
        return resp

    def sign_in(self, login, password):
        body = self.call("POST", "/auth/login", {"login": login, "password": password}).json()
        return Gateway(self.base[:-len("/api/v1")], body["access_token"])


def the_vouchers(year):
    """收到投资款, 提取备用金, 报销办公费, 销售商品 (含销项税额) — January of `year`."""
    def line(account, summary, debit=None, credit=None):
        return {"summary": summary, "account": account,
                **({"debit": debit} if debit else {}), **({"credit": credit} if credit else {})}

    return [
        {"date": f"{year}-01-05", "word": "记", "attachments": 1, "lines": [
            line("1002", "收到股东投资款", debit="200000.00"), line("3001", "收到股东投资款", credit="200000.00")]},
        {"date": f"{year}-01-08", "word": "记", "attachments": 1, "lines": [
            line("1001", "提取备用金", debit="5000.00"), line("1002", "提取备用金", credit="5000.00")]},
        {"date": f"{year}-01-18", "word": "记", "attachments": 3, "lines": [
            line("5602", "报销办公用品", debit="1260.50"), line("1001", "报销办公用品", credit="1260.50")]},
        {"date": f"{year}-01-25", "word": "记", "attachments": 2, "lines": [
            line("1122", "销售商品", debit="33900.00"), line("5001", "销售商品", credit="30000.00"),
            line("2221", "销项税额", credit="3900.00")]},
    ]


def wait_for(gateway, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            gateway.call("GET", "/openapi.json")
            return
        except (requests.RequestException, RuntimeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def seed(base, admin_email, password):
    """Returns (client_id, start period)."""
    anonymous = Gateway(base)
    wait_for(anonymous)
    admin = anonymous.sign_in(admin_email, password)

    found = admin.call("GET", "/clients", params={"q": DEMO_CLIENT}).json()["items"]
    if found:
        client_id = found[0]["id"]
    else:
        client_id = admin.call("POST", "/clients", {
            "name": DEMO_CLIENT, "short_name": "演示商贸", "credit_code": DEMO_CREDIT_CODE,
            "taxpayer_type": "general", "registered_capital": "200000.00", "establishment_date": "2020-06-18",
        }, expect=(201,)).json()["id"]

    users = admin.call("GET", "/users", params={"q": DEMO_ACCOUNTANT}).json()["items"]
    if not [u for u in users if u.get("email") == DEMO_ACCOUNTANT]:
        admin.call("POST", "/users", {"name": "演示会计", "email": DEMO_ACCOUNTANT, "password": password,
                                      "roles": ["accountant"]}, expect=(201,))
        users = admin.call("GET", "/users", params={"q": DEMO_ACCOUNTANT}).json()["items"]
    accountant_id = next(u["id"] for u in users if u.get("email") == DEMO_ACCOUNTANT)
    admin.call("PUT", f"/clients/{client_id}/assignments/accountant", {"user_id": accountant_id})
    accountant = anonymous.sign_in(DEMO_ACCOUNTANT, password)

    book = f"/clients/{client_id}"
    year = datetime.now(timezone(timedelta(hours=8))).year  # business dates are Asia/Shanghai dates
    resp = admin.call("GET", book + "/book", expect=(200, 404))
    if resp.status_code == 404:
        resp = admin.call("POST", book + "/books", {"standard": "small_business_2013", "start_period": f"{year}-01"},
                          expect=(201,))
    start = resp.json()["start_period"]
    entered = admin.call("GET", book + "/vouchers", params={"page_size": 100}).json()["items"]
    if not entered:
        # the accountant enters, the admin reviews (not the one who entered) and posts;
        # the keys make a re-run after an interruption return the same vouchers
        start_year = start[:4]
        for n, body in enumerate(the_vouchers(start_year), start=1):
            accountant.call("POST", book + "/vouchers", body, expect=(201,),
                            headers={"Idempotency-Key": f"demo-seed-{client_id}-{n}"})
        entered = admin.call("GET", book + "/vouchers", params={"page_size": 100}).json()["items"]
    for voucher in sorted(entered, key=lambda v: (v["date"], v["number"])):
        if voucher["status"] == "draft":
            admin.call("POST", f"{book}/vouchers/{voucher['id']}/review", {})
        if voucher["status"] != "posted":
            admin.call("POST", f"{book}/vouchers/{voucher['id']}/post", {})
    return client_id, start


def main(base, admin_email, password):
    try:
        client_id, start = seed(base, admin_email, password)
    except (requests.RequestException, RuntimeError) as exc:
        print(f"✗ 演示账套未能建立 / demo books not seeded: {exc}", file=sys.stderr)
        return None
    print(f"• 演示客户与账套 / demo client and book: {DEMO_CLIENT} ({client_id}), 会计 accountant {DEMO_ACCOUNTANT}")
    return client_id, start
