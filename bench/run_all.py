"""`make bench`: run every benchmark in turn (each starts and stops its own
platform), write bench/results/latest.json and print a Markdown table.

    .venv/bin/python -m bench.run_all            # one run each, about 30 minutes (the ledger's at full size)
    .venv/bin/python -m bench.run_all --runs 3   # the median of 3 runs (docs/benchmarks.md)
    .venv/bin/python -m bench.run_all --quick    # small counts, to try the scripts out
"""
import argparse
import datetime
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import (
    clients_list, gateway_auth_overhead, ledger_bulk, ledger_close, ledger_reports, ledger_vouchers, login_throughput,
    rpc_floor,
)
from bench.common import RunMeter, machine_info

RESULTS = Path(__file__).resolve().parent / "results"

BENCHMARKS = [
    (gateway_auth_overhead, dict(n_tokens=300, n_http=300, duration=2.0)),
    (login_throughput, dict(n_sequential=10, login_seconds=3.0, me_seconds=3.0, storm_seconds=3.0)),
    (clients_list, dict(n_clients=10000, n_assigned=200, n_sequential=30, concurrent_seconds=3.0)),
    # the ledger's: full sizes without --quick (1,000,000 lines, 1,000 books: about 25 minutes)
    (rpc_floor, dict(duration=4.0, warmup=1.0)),
    (ledger_vouchers, dict(users=20, duration=4.0, warmup=1.0)),
    (ledger_bulk, dict(n_vouchers=1000, chunk=500)),
    (ledger_reports, dict(n_lines=20_000, n_sequential=30, ledger_runs=3)),
    (ledger_close, dict(n_books=20)),
]

# the figures worth a line in the summary: (benchmark, key, label, unit)
HEADLINE = [
    ("gateway_auth_overhead", "verify_cold_p50_us", "TokenVerifier.verify_access, new token, p50", "µs"),
    ("gateway_auth_overhead", "verify_cold_p99_us", "TokenVerifier.verify_access, new token, p99", "µs"),
    ("gateway_auth_overhead", "verify_cached_p50_us", "TokenVerifier.verify_access, repeat token, p50", "µs"),
    ("gateway_auth_overhead", "verify_cached_p99_us", "TokenVerifier.verify_access, repeat token, p99", "µs"),
    ("gateway_auth_overhead", "http_healthz_p50_ms", "GET /healthz (no ApiRoute), p50", "ms"),
    ("gateway_auth_overhead", "http_public_404_p50_ms", "GET /api/v1/no-such-thing (public 404), p50", "ms"),
    ("gateway_auth_overhead", "http_public_404_p99_ms", "GET /api/v1/no-such-thing (public 404), p99", "ms"),
    ("gateway_auth_overhead", "http_auth_p50_ms", "GET /api/v1/roles, same token, p50", "ms"),
    ("gateway_auth_overhead", "http_auth_p95_ms", "GET /api/v1/roles, same token, p95", "ms"),
    ("gateway_auth_overhead", "http_auth_p99_ms", "GET /api/v1/roles, same token, p99", "ms"),
    ("gateway_auth_overhead", "http_auth_new_p50_ms", "GET /api/v1/roles, new token each time, p50", "ms"),
    ("gateway_auth_overhead", "http_auth_new_p99_ms", "GET /api/v1/roles, new token each time, p99", "ms"),
    ("gateway_auth_overhead", "overhead_roles_vs_public404_p50_ms", "roles − public 404 (medians)", "ms"),
    ("gateway_auth_overhead", "overhead_roles_new_token_vs_healthz_p50_ms",
     "roles with a new token − healthz (medians): upper bound", "ms"),
    ("gateway_auth_overhead", "signature_check_over_http_p50_ms", "new token − same token (medians)", "ms"),
    ("gateway_auth_overhead", "c10_roles_req_per_s", "GET /api/v1/roles, 10 clients", "req/s"),
    ("gateway_auth_overhead", "c10_roles_p99_ms", "GET /api/v1/roles, 10 clients, p99", "ms"),
    ("gateway_auth_overhead", "c10_roles_cpu_gateway_pct_core", "gateway CPU during that run", "% of a core"),
    ("gateway_auth_overhead", "c10_public_404_req_per_s", "GET /api/v1/no-such-thing, 10 clients", "req/s"),
    ("login_throughput", "argon2_verify_in_process_p50_ms", "argon2id verify in one thread, p50", "ms"),
    ("login_throughput", "login_sequential_p50_ms", "login, sequential, p50", "ms"),
    ("login_throughput", "login_sequential_p99_ms", "login, sequential, p99", "ms"),
    ("login_throughput", "login_c4_per_s", "logins, 4 clients", "logins/s"),
    ("login_throughput", "login_c4_p50_ms", "login, 4 clients, p50", "ms"),
    ("login_throughput", "login_c4_p99_ms", "login, 4 clients, p99", "ms"),
    ("login_throughput", "login_c4_cpu_identity_pct_core", "identity CPU, 4 clients", "% of a core"),
    ("login_throughput", "login_c8_per_s", "logins, 8 clients", "logins/s"),
    ("login_throughput", "login_c8_p50_ms", "login, 8 clients, p50", "ms"),
    ("login_throughput", "login_c8_p99_ms", "login, 8 clients, p99", "ms"),
    ("login_throughput", "login_c8_cpu_identity_pct_core", "identity CPU, 8 clients", "% of a core"),
    ("login_throughput", "me_sequential_p50_ms", "GET /api/v1/me, sequential, p50", "ms"),
    ("login_throughput", "me_sequential_p99_ms", "GET /api/v1/me, sequential, p99", "ms"),
    ("login_throughput", "me_c10_req_per_s", "GET /api/v1/me, 10 clients", "req/s"),
    ("login_throughput", "me_c10_p50_ms", "GET /api/v1/me, 10 clients, p50", "ms"),
    ("login_throughput", "me_c10_p99_ms", "GET /api/v1/me, 10 clients, p99", "ms"),
    ("login_throughput", "me_c10_cpu_identity_pct_core", "identity CPU, /me with 10 clients", "% of a core"),
    ("login_throughput", "me_c10_cpu_gateway_pct_core", "gateway CPU, /me with 10 clients", "% of a core"),
    ("login_throughput", "me_c2_during_logins_p50_ms", "GET /api/v1/me, 2 clients, during 8 logging in, p50", "ms"),
    ("login_throughput", "me_c2_during_logins_p99_ms", "GET /api/v1/me, 2 clients, during 8 logging in, p99", "ms"),
    ("login_throughput", "logins_during_me_per_s", "logins/s meanwhile (8 clients)", "logins/s"),
    ("gateway_auth_overhead", "run_cpu_other_pct_core", "other work on the machine meanwhile", "% of a core"),
    ("login_throughput", "run_cpu_other_pct_core", "other work on the machine meanwhile", "% of a core"),
    ("clients_list", "import_seconds", "import one .xlsx of 5,000 clients (--quick: 2,000)", "s"),
    ("clients_list", "page1_by_name_p95_ms", "GET /api/v1/clients, 10,000 clients, page 1 by name, p95", "ms"),
    ("clients_list", "deep_page_p95_ms", "GET /api/v1/clients, page 100, p95", "ms"),
    ("clients_list", "search_chinese_p95_ms", "GET /api/v1/clients?q=科技 (substring), p95", "ms"),
    ("clients_list", "credit_code_prefix_p95_ms", "GET /api/v1/clients?q=<credit code prefix>, p95", "ms"),
    ("clients_list", "status_filter_p95_ms", "GET /api/v1/clients?status=active, p95", "ms"),
    ("clients_list", "accountant_own_list_p95_ms", "GET /api/v1/clients as an accountant (200 assigned), p95", "ms"),
    ("clients_list", "one_client_p95_ms", "GET /api/v1/clients/{id}, p95", "ms"),
    ("clients_list", "c10_page1_req_per_s", "GET /api/v1/clients page 1, 10 clients", "req/s"),
    ("clients_list", "c10_page1_p95_ms", "GET /api/v1/clients page 1, 10 clients, p95", "ms"),
    ("rpc_floor", "requests_per_s", "one RPC behind one HTTP request, nothing else, 20 clients", "req/s"),
    ("rpc_floor", "machine_cpu_ms_per_request", "CPU of the machine per such request", "ms"),
    ("rpc_floor", "voucher_ceiling_per_s", "a third of it: the most create+review+post could do", "vouchers/s"),
    ("ledger_vouchers", "vouchers_per_s", "create+review+post, 20 users (target ≥ 300)", "vouchers/s"),
    ("ledger_vouchers", "cycle_p50_ms", "create+review+post, 20 users, p50", "ms"),
    ("ledger_vouchers", "cycle_p99_ms", "create+review+post, 20 users, p99 (target < 100)", "ms"),
    ("ledger_vouchers", "create_p99_ms", "POST vouchers (4 lines), 20 users, p99", "ms"),
    ("ledger_vouchers", "review_p99_ms", "POST vouchers/{id}/review, 20 users, p99", "ms"),
    ("ledger_vouchers", "post_p99_ms", "POST vouchers/{id}/post, 20 users, p99", "ms"),
    ("ledger_vouchers", "cpu_ledger_pct_core", "ledger CPU meanwhile", "% of a core"),
    ("ledger_vouchers", "cpu_gateway_pct_core", "gateway CPU meanwhile", "% of a core"),
    ("ledger_vouchers", "cpu_postgres_pct_core", "PostgreSQL CPU meanwhile", "% of a core"),
    ("ledger_vouchers", "target_met", "≥ 300 vouchers/s and p99 < 100 ms", ""),
    ("ledger_bulk", "batch_total_seconds", "10,000 vouchers (40,000 lines): batch + review + post (target ≤ 15)", "s"),
    ("ledger_bulk", "batch_create_seconds", "… of which POST vouchers/batch (5 × 2,000)", "s"),
    ("ledger_bulk", "batch_post_seconds", "… of which POST vouchers/post-batch", "s"),
    ("ledger_bulk", "import_seconds", "the same 10,000 as one .xlsx: POST vouchers/import", "s"),
    ("ledger_bulk", "import_total_seconds", "import + review + post", "s"),
    ("ledger_bulk", "target_met", "batch ≤ 15 s, tied out", ""),
    ("ledger_reports", "load_seconds", "load 1,000,000 lines (250,000 vouchers, batch + review + post)", "s"),
    ("ledger_reports", "tb_period_p50_ms", "trial balance of 2026-12 on 1,000,000 lines, p50", "ms"),
    ("ledger_reports", "tb_period_p95_ms", "trial balance of 2026-12, p95 (target ≤ 100)", "ms"),
    ("ledger_reports", "tb_year_p95_ms", "trial balance 2026-01..2026-12, p95", "ms"),
    ("ledger_reports", "detail_first_p95_ms", "detail ledger 1002, first page, p95 (target ≤ 100)", "ms"),
    ("ledger_reports", "detail_deep_p95_ms", "detail ledger 1002, last page, p95 (target ≤ 100)", "ms"),
    ("ledger_reports", "ledger_bal_median_ms", "ledger-cli `bal` on the same entries, median of 5", "ms"),
    ("ledger_reports", "ledger_bal_vs_tb_p50", "ledger-cli bal ÷ our trial balance p50", "×"),
    ("ledger_reports", "tie_out_ok", "every account: ours = ledger-cli = sent", ""),
    ("ledger_reports", "target_met", "TB and detail p95 ≤ 100 ms, tied out", ""),
    ("ledger_close", "setup_seconds", "set up 1,000 books × 100 posted vouchers", "s"),
    ("ledger_close", "close_seconds", "batch close of 1,000 books (target ≤ 120)", "s"),
    ("ledger_close", "books_per_s", "books closed per second", "books/s"),
    ("ledger_close", "job_failed", "books that failed to close", ""),
    ("ledger_close", "cpu_ledger_pct_core", "ledger CPU during the close", "% of a core"),
    ("ledger_close", "target_met", "≤ 120 s, none failed", ""),
]


def _median(values):
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) == len(values) and numbers:
        return round(statistics.median(numbers), 3)
    return values[-1] if len(set(map(str, values))) == 1 else values


def _git():
    def out(*args):
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, timeout=10,
                                  cwd=Path(__file__).resolve().parent.parent).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": out("rev-parse", "--short", "HEAD").strip(),
            "dirty_paths": [line[3:] for line in out("status", "--porcelain", "--", "services", "gateway",
                                                     "servicekit").splitlines()]}


def wait_quiet(limit, threshold=1.0):
    import os

    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        time.sleep(5)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)


def markdown_table(results, runs):
    head = "median" if runs > 1 else "value"
    lines = [f"| benchmark | figure | {head} | unit |", "|---|---|---:|---|"]
    for bench, key, label, unit in HEADLINE:
        value = results.get(bench, {}).get("median", {}).get(key)
        if value is not None:
            lines.append(f"| {bench} | {label} | {value} | {unit} |")
    notes = []
    for bench, entry in results.items():
        note = f"{bench}: median of {entry['median_of_runs']} run(s)"
        if entry["disturbed_runs"]:
            note += (f", {entry['disturbed_runs']} run(s) left out (other work used more than "
                     f"{RunMeter.DISTURBED_PCT:.0f}% of a core meanwhile)")
        if entry["median_of_runs"] and entry["median"].get("run_disturbed") is True:
            note += " — every run was disturbed: figures are not representative"
        notes.append(note)
    return "\n".join(lines) + "\n\n" + "\n".join(notes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="run each benchmark this many times; report medians")
    parser.add_argument("--quick", action="store_true", help="small counts, to try the scripts out")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each benchmark wait up to this long for the 1-minute load average to "
                             "fall below 1 (a machine shared with other work)")
    parser.add_argument("--only", choices=[m.NAME for m, _ in BENCHMARKS], action="append",
                        help="run only this benchmark (repeatable)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(), "git": _git(), "runs": args.runs, "quick": args.quick, "results": {},
    }
    for run in range(args.runs):
        for module, quick_kwargs in BENCHMARKS:
            if args.only and module.NAME not in args.only:
                continue
            if args.wait_quiet:
                wait_quiet(args.wait_quiet)
            print(f"\n### run {run + 1}/{args.runs}: {module.NAME}", flush=True)
            result = module.run(**(quick_kwargs if args.quick else {}))
            entry = report["results"].setdefault(module.NAME, {"runs": []})
            entry["runs"].append(result)
    for entry in report["results"].values():
        # on a machine shared with other work, a run whose foreign CPU was high says
        # more about the neighbours than about us: leave it out when there are others
        clean = [r for r in entry["runs"] if not r["figures"].get("run_disturbed")]
        used = clean or entry["runs"]
        entry["median_of_runs"] = len(used)
        entry["disturbed_runs"] = len(entry["runs"]) - len(clean)
        keys = used[0]["figures"].keys()
        entry["median"] = {k: _median([r["figures"].get(k) for r in used]) for k in keys}
    report["seconds"] = round(time.monotonic() - started, 1)

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{markdown_table(report['results'], args.runs)}\n")
    print(f"all figures: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path} "
          f"({report['seconds']}s, machine {report['machine']})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the platform was stopped and the bench databases dropped", file=sys.stderr)
        sys.exit(130)
