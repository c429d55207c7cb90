"""Every ledger route, called with nonsense — ids that are not ids, periods that are not
periods, bodies of the wrong shape — answers a 4xx with a code and both messages (a
read that can ignore it may answer 200), never a 500, and writes nothing."""
from gateway.openapi import api_routes
from gateway.service import GatewayService

from .test_ledger_api import open_book, vouchers

NONSENSE_PATH = {"voucher_id": "not-a-uuid", "template_id": "00000000-0000-0000-0000-000000000000",
                 "item_id": "x" * 80, "code": "1002'; DROP TABLE books; --", "period": "2026-13",
                 "job_id": "不是编号"}
NONSENSE_BODIES = [{"date": "yesterday", "lines": "many", "period": 202601, "ids": ["x"], "items": {"a": 1},
                    "standard": None, "start_period": "1999-99", "amounts": [1e308, "1e999999"], "vouchers": [{}]},
                   {"lines": [{"account": 1002, "debit": {"amount": 1}}] * 3, "version": "one"}]
NONSENSE_QUERY = {"period": "26-1", "from": "2026-02", "to": "2025-01", "page": "-1", "account": "银行",
                  "after_sequence": "NaN", "status": "burnt", "level": "9"}


def ledger_routes():
    for _, route in api_routes(GatewayService):
        if route.tags and route.tags[0] in ("账套 Books", "凭证 Vouchers", "账簿 Books of account", "期末 Period end"):
            yield route


def test_nonsense_is_refused_with_a_4xx_everywhere(platform, agency_admin):
    path, _ = open_book(agency_admin)
    client_id = path.rsplit("/", 1)[1]
    routes = list(ledger_routes())
    assert len(routes) >= 45
    problems = []
    for route in routes:
        url = route.url.replace("<client_id>", client_id)
        for name, value in NONSENSE_PATH.items():
            url = url.replace(f"<{name}>", value)
        attempts = [dict(params=NONSENSE_QUERY)]
        if route.upload:
            attempts = [dict(files={"file": ("凭证.xlsx", b"PK\x03\x04 not really a workbook", "application/zip")})]
        elif route.method in ("POST", "PUT", "PATCH"):
            attempts = [dict(json_body=body) for body in NONSENSE_BODIES]
        for attempt in attempts:
            resp = agency_admin.request(route.method, url, **attempt)
            # a read whose path and query mean nothing to it may answer (GET …/book); any change must be refused
            ok = 400 <= resp.status_code < 500 or (route.method == "GET" and resp.status_code == 200)
            if ok and resp.status_code >= 400:
                error = resp.json().get("error", {})
                ok = bool(error.get("code") and error.get("message") and error.get("message_en"))
            if not ok:
                problems.append(f"{route.method} {url}: {resp.status_code} {resp.text[:200]}")
    assert not problems, "\n".join(problems)
    assert vouchers(agency_admin, path)["total"] == 0
    assert agency_admin.get(path + "/book").json()["voucher_words"] == ["记"]
