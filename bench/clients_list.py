"""Listing and searching 10,000 clients through the gateway (the clients service's
"fast with 10,000 clients").

One agency gets 10,000 clients (two Excel imports of 5,000, the import cap) and an
accountant assigned to 200 of them. Then, over HTTP with a bearer token:

a) sequential requests, latency p50/p95/p99 for: page 1 sorted by name, a deep page
   (page 100 of 50), newest first, a Chinese substring search (科技), a credit-code
   prefix, the status filter, the admin's "clients of this accountant" filter, the
   accountant's own list (visibility through assignments), and one client's detail;
b) 10 concurrent clients on page 1: requests/s, latency, the CPU each process used.

The import time of 5,000 rows is reported too.

    .venv/bin/python -m bench.clients_list [--quick]
"""
import argparse
import io
import json
import time

import requests
from openpyxl import load_workbook

from bench.common import (
    HTTP_TIMEOUT, PASSWORD, CpuMeter, LeanClient, bench_platform, closed_loop, login, machine_info, platform_pids,
    print_figures, register_agency, summarize, unique_email,
)
from services.clients.domain.credit_code import with_check_character

NAME = "clients_list"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CITIES = "西安 咸阳 宝鸡 渭南 延安 汉中 榆林 安康 商洛 铜川".split()
WORDS = list("华泰鑫盛源达通恒宏丰瑞祥科创远博")
KINDS = "科技 商贸 餐饮 建筑 物流 咨询 文化 医药".split()


def credit_code(i):
    body = "".join(ALPHABET[(i // 31 ** k) % 31] for k in range(6))
    return with_check_character("91610100" + "BN" + body + "0")


def workbook(template, start, count):
    book = load_workbook(io.BytesIO(template))
    sheet = book["客户"]
    headers = [cell.value.replace("*", "").split("（")[0] for cell in sheet[1]]
    col = {label: index + 1 for index, label in enumerate(headers)}
    for r, i in enumerate(range(start, start + count), start=2):
        name = f"{CITIES[i % 10]}{WORDS[(i // 10) % 16]}{WORDS[(i // 160) % 16]}{KINDS[(i // 7) % 8]}有限公司{i}"
        sheet.cell(row=r, column=col["客户名称"], value=name)
        sheet.cell(row=r, column=col["统一社会信用代码"], value=credit_code(i))
        sheet.cell(row=r, column=col["纳税人类型"], value="一般纳税人" if i % 3 == 0 else "小规模纳税人")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ok(resp, status=200):
    if resp.status_code != status:
        raise RuntimeError(f"{resp.request.method} {resp.request.path_url}: {resp.status_code} {resp.text[:300]}")
    return resp.json()


def seed(base, token, n_clients, n_assigned, log):
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.9.0.1"}
    figures = {}
    with requests.Session() as http:
        template = http.get(base + "/api/v1/clients/import-template", headers=headers, timeout=HTTP_TIMEOUT).content
        for start in range(0, n_clients, 5000):
            count = min(5000, n_clients - start)
            content = workbook(template, start, count)
            t0 = time.perf_counter()
            reply = _ok(http.post(base + "/api/v1/clients/import", headers=headers, timeout=120,
                                  files={"file": ("clients.xlsx", content)}), 201)
            seconds = time.perf_counter() - t0
            assert reply == {"imported": count}, reply
            figures.setdefault("import_rows", count)
            figures.setdefault("import_seconds", round(seconds, 2))
            log(f"  imported {count} clients in {seconds:.1f}s")
        email = unique_email("acct")
        accountant = _ok(http.post(base + "/api/v1/users", headers=headers, timeout=HTTP_TIMEOUT, json={
            "name": "万会计", "email": email, "password": PASSWORD, "roles": ["accountant"]}), 201)
        page = _ok(http.get(base + "/api/v1/clients", headers=headers, timeout=HTTP_TIMEOUT,
                            params={"page_size": n_assigned, "sort": "credit_code"}))
        for client in page["items"]:
            _ok(http.put(f"{base}/api/v1/clients/{client['id']}/assignments/accountant", headers=headers,
                         json={"user_id": accountant["id"]}, timeout=HTTP_TIMEOUT))
        acct_token = login(http, base, email, ip="10.9.0.2")["access_token"]
    log(f"  assigned {n_assigned} clients to an accountant")
    return figures, accountant["id"], acct_token, page["items"][0]["id"]


def sequential(client, path, n, warmup=10):
    times = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        status, reply = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {reply}")
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return summarize(times), reply


def run(n_clients=10000, n_assigned=200, n_sequential=200, concurrent_seconds=8.0, log=print):
    log(f"== {NAME}: starting the platform")
    machine = machine_info()
    with bench_platform(log=log) as plat:
        base = plat.url("gateway")
        admin = register_agency(plat, name="榆林万户财税")
        figures, accountant_id, acct_token, one_id = seed(base, admin["access_token"], n_clients, n_assigned, log)
        admin_client = LeanClient(base, {"Authorization": f"Bearer {admin['access_token']}",
                                         "X-Forwarded-For": "10.9.1.1"})
        acct_client = LeanClient(base, {"Authorization": f"Bearer {acct_token}", "X-Forwarded-For": "10.9.1.2"})
        cases = [
            ("page1_by_name", admin_client, "/api/v1/clients?page_size=50", n_clients),
            ("deep_page", admin_client, f"/api/v1/clients?page_size=50&page={min(100, n_clients // 50)}", n_clients),
            ("newest_first", admin_client, "/api/v1/clients?sort=created_at&order=desc", n_clients),
            ("search_chinese", admin_client, "/api/v1/clients?q=%E7%A7%91%E6%8A%80", None),  # 科技
            ("credit_code_prefix", admin_client, "/api/v1/clients?q=91610100BN1", None),
            ("status_filter", admin_client, "/api/v1/clients?status=active", n_clients),
            ("accountant_filter", admin_client, f"/api/v1/clients?accountant_id={accountant_id}", n_assigned),
            ("accountant_own_list", acct_client, "/api/v1/clients", n_assigned),
            ("one_client", admin_client, f"/api/v1/clients/{one_id}", None),
        ]
        for key, client, path, expected_total in cases:
            log(f"  a) {key}: {n_sequential} sequential GET {path}")
            stats, reply = sequential(client, path, n_sequential)
            if expected_total is not None:
                assert reply["total"] == expected_total, (key, reply["total"])
            figures.update({f"{key}_p50_ms": stats["p50"], f"{key}_p95_ms": stats["p95"],
                            f"{key}_p99_ms": stats["p99"]})
            if "total" in reply:
                figures[f"{key}_total"] = reply["total"]

        log(f"  b) page 1 by name, 10 concurrent clients for {concurrent_seconds:.0f}s")

        def worker(i):
            client = LeanClient(base, {"Authorization": f"Bearer {admin['access_token']}",
                                       "X-Forwarded-For": f"10.9.2.{i + 1}"})
            return lambda: client.request("GET", "/api/v1/clients?page_size=50")[0] == 200

        with CpuMeter(platform_pids(plat)) as meter:
            result = closed_loop(worker, 10, concurrent_seconds, warmup=1.0)
        figures.update({"c10_page1_req_per_s": result["throughput_per_s"], "c10_page1_p50_ms": result["p50_ms"],
                        "c10_page1_p95_ms": result["p95_ms"], "c10_page1_p99_ms": result["p99_ms"],
                        "c10_page1_errors": result["errors"]})
        figures.update({f"c10_page1_{k}": v for k, v in meter.result.items()})
        admin_client.close()
        acct_client.close()
    print_figures(NAME, figures)
    return {"benchmark": NAME, "figures": figures, "machine": machine}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for trying the script out")
    args = parser.parse_args()
    kwargs = dict(n_clients=2000, n_assigned=50, n_sequential=30, concurrent_seconds=3.0) if args.quick else {}
    print(json.dumps(run(**kwargs), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
