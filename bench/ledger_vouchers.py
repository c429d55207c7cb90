"""Vouchers entered, reviewed and posted through the gateway by 20 users at once
(the ledger's "≥ 300 vouchers/s, p99 < 100 ms").

One agency, 20 client companies, each with its own book (小企业会计准则) and its own
accountant (assigned to it, so the ledger's visibility rule is exercised). One
supervisor reviews and posts: review by someone other than the creator, as the
book's default (allow_self_review stays off). 20 load threads, one per book, each
in a closed loop:

    POST /api/v1/clients/{id}/vouchers                (the accountant; 4 lines, 201)
    POST /api/v1/clients/{id}/vouchers/{vid}/review   (the supervisor)
    POST /api/v1/clients/{id}/vouchers/{vid}/post     (the supervisor)

Reported: finished vouchers per second, p50/p95/p99 of the whole create+review+post
and of each step, errors, and the CPU each process used. Afterwards every book's
posted-voucher count must equal the cycles that finished, and a trial balance must
balance.

    .venv/bin/python -m bench.ledger_vouchers [--quick] [--ledger-processes 2] [--profile ledger.json]

`ledger_cpu_ms_per_call` is the ledger's CPU per create, review or post: its CPU
over the measured stretch divided by the calls answered meanwhile. It varies far
less between runs than the rate does on a shared machine. `--profile FILE` records
the (first) ledger process with py-spy (`pip install py-spy`) over the measured
seconds, in speedscope format.
"""
import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import (
    CpuMeter, LeanClient, RunMeter, bench_platform, closed_loop, expect, machine_info, make_books, make_clients,
    platform_pids, print_figures, register_agency, sale_voucher, staff_tokens, summarize,
)

NAME = "ledger_vouchers"
PERIOD = "2026-01"


def assign(base, admin_token, client_ids, accountants):
    admin = LeanClient(base, {"Authorization": f"Bearer {admin_token}", "X-Forwarded-For": "10.6.0.1"})
    for client_id, user in zip(client_ids, accountants):
        expect(admin.request("PUT", f"/api/v1/clients/{client_id}/assignments/accountant",
                             {"user_id": user["id"]}), 200, "assign accountant")
    admin.close()


@contextlib.contextmanager
def py_spy_record(pid, out, delay, seconds, log=print):
    """py-spy recording `pid` for `seconds` after `delay`, into `out` (speedscope)."""
    if not out:
        yield
        return
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = (f"sleep {delay}; exec {exe} record --pid {pid} --duration {int(seconds)} --rate 250 "
               f"--format speedscope --output {out} --nonblocking")
    proc = subprocess.Popen(["sh", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        try:
            _, err = proc.communicate(timeout=seconds + 30)
            log(f"  py-spy: {err.decode(errors='replace').strip().splitlines()[-1:]} -> {out}")
        except subprocess.TimeoutExpired:
            proc.kill()


def run(users=20, duration=20.0, warmup=3.0, ledger_processes=1, profile=None, log=print):
    log(f"== {NAME}: starting the platform ({ledger_processes} ledger process(es))")
    machine = machine_info()
    figures = {}
    with RunMeter() as run_meter:
        with bench_platform(log=log, replicas={"ledger": ledger_processes}) as plat:
            base = plat.url("gateway")
            admin = register_agency(plat, name="咸阳记账基准财税")
            token = admin["access_token"]
            client_ids = make_clients(base, token, users)
            make_books(base, token, client_ids, start_period=PERIOD)
            accountants = staff_tokens(plat, token, users, "accountant")
            supervisor = staff_tokens(plat, token, 1, "supervisor")[0]
            assign(base, token, client_ids, accountants)
            log(f"  {users} clients with a book and an accountant each; one supervisor reviews and posts")

            steps = [[] for _ in range(users)]  # (t_end, create, review, post) per finished cycle
            finished = [0] * users
            failures = []
            counter = [0] * users

            def worker(i):
                client_id = client_ids[i]
                creator = LeanClient(base, {"Authorization": f"Bearer {accountants[i]['token']}",
                                            "X-Forwarded-For": f"10.6.1.{i + 1}"})
                checker = LeanClient(base, {"Authorization": f"Bearer {supervisor['token']}",
                                            "X-Forwarded-For": f"10.6.2.{i + 1}"})
                path = f"/api/v1/clients/{client_id}/vouchers"

                def cycle():
                    counter[i] += 1
                    body = sale_voucher(i * 1000003 + counter[i], PERIOD)
                    t0 = time.perf_counter()
                    status, voucher = creator.request("POST", path, body)
                    t1 = time.perf_counter()
                    if status != 201:
                        failures.append(("create", status, voucher))
                        return False
                    status, reply = checker.request("POST", f"{path}/{voucher['id']}/review")
                    t2 = time.perf_counter()
                    if status != 200:
                        failures.append(("review", status, reply))
                        return False
                    status, reply = checker.request("POST", f"{path}/{voucher['id']}/post")
                    t3 = time.perf_counter()
                    if status != 200 or reply.get("status") != "posted":
                        failures.append(("post", status, reply))
                        return False
                    finished[i] += 1
                    steps[i].append((t3, t1 - t0, t2 - t1, t3 - t2))
                    return True
                return cycle

            log(f"  {users} users: create + review + post, {duration:.0f}s after {warmup:.0f}s of warm-up")
            start = time.perf_counter()
            ledger_pid = plat.processes["ledger"].pid
            with py_spy_record(ledger_pid, profile, warmup, duration, log):
                with CpuMeter(platform_pids(plat)) as meter:
                    result = closed_loop(worker, users, duration, warmup=warmup)
            window = (start + warmup, start + warmup + duration)
            measured = [s for per in steps for s in per if window[0] <= s[0] <= window[1]]
            figures.update({
                "users": users, "seconds": duration, "ledger_processes": ledger_processes,
                "vouchers_per_s": result["throughput_per_s"],
                "cycle_p50_ms": result["p50_ms"], "cycle_p95_ms": result["p95_ms"], "cycle_p99_ms": result["p99_ms"],
                "errors": result["errors"],
            })
            for index, step in ((1, "create"), (2, "review"), (3, "post")):
                stats = summarize([s[index] for s in measured])
                figures.update({f"{step}_p50_ms": stats["p50"], f"{step}_p95_ms": stats["p95"],
                                f"{step}_p99_ms": stats["p99"]})
            figures.update(meter.result)
            # CPU seconds of every ledger process over calls answered (3 per voucher) in
            # the same stretch: the meter spans warm-up and measured seconds alike
            ledger_pct = sum(v for k, v in meter.result.items() if k.startswith("cpu_ledger"))
            calls_per_s = 3 * result["throughput_per_s"]
            figures["ledger_cpu_ms_per_call"] = round(10 * ledger_pct / calls_per_s, 2) if calls_per_s else None
            if failures:
                figures["first_failures"] = [f"{what} {status} {json.dumps(reply, ensure_ascii=False)[:200]}"
                                             for what, status, reply in failures[:3]]

            # integrity: what finished is posted, nothing more, and the books balance
            check = LeanClient(base, {"Authorization": f"Bearer {supervisor['token']}",
                                      "X-Forwarded-For": "10.6.3.1"})
            posted = 0
            for client_id in client_ids:
                reply = expect(check.request("GET", f"/api/v1/clients/{client_id}/vouchers"
                                                    f"?period={PERIOD}&status=posted&page_size=1"), 200, "list")
                posted += reply["total"]
            figures["posted_total"] = posted
            figures["finished_total"] = sum(finished)
            tb = expect(check.request("GET", f"/api/v1/clients/{client_ids[0]}/trial-balance?period={PERIOD}"),
                        200, "trial balance")
            figures["trial_balance_balanced"] = tb.get("balanced")
            check.close()
            if posted != sum(finished) or tb.get("balanced") is not True:
                log(f"  !!! INTEGRITY: {posted} posted vs {sum(finished)} finished cycles; "
                    f"trial balance balanced={tb.get('balanced')}")
    figures["run_cpu_other_pct_core"] = run_meter.other_pct_core
    figures["run_disturbed"] = run_meter.other_pct_core > RunMeter.DISTURBED_PCT
    figures["target_met"] = (figures["vouchers_per_s"] >= 300 and figures["cycle_p99_ms"] < 100
                             and not figures["errors"])
    print_figures(NAME, figures)
    return {"benchmark": NAME, "figures": figures, "machine": machine}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for trying the script out")
    parser.add_argument("--ledger-processes", type=int, default=1,
                        help="ledger processes sharing its queue (Kubernetes replicas); default 1")
    parser.add_argument("--profile", metavar="FILE", help="record the ledger with py-spy into FILE (speedscope)")
    args = parser.parse_args()
    kwargs = dict(users=20, duration=4.0, warmup=1.0) if args.quick else {}
    kwargs["ledger_processes"] = args.ledger_processes
    kwargs["profile"] = args.profile
    print(json.dumps(run(**kwargs), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
