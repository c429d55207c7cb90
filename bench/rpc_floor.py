"""The floor under every RPC-backed request: HTTP in, one nameko RPC over RabbitMQ,
a reply, HTTP out — and nothing else (no token, no database, no validation).

Two processes of bench/rpc_floor_services.py in the bench vhost: `floor_front` does
what the gateway does for a request (our HTTP server, TimedServiceRpc, call() with its
deadline), `floor_echo` answers through the RPC entrypoint the services use. 20
keep-alive clients in a closed loop POST a 4-line voucher's JSON (it goes there and
back), as `ledger_vouchers` does. Reported: requests/s, p50/p99, CPU per process and
CPU per request across the machine.

A voucher through create+review+post is three such requests, so a third of this
rate is the most any voucher rate could be on this machine with this stack, with
the ledger's own work (its SQL, PostgreSQL's share) costing nothing.

    .venv/bin/python -m bench.rpc_floor [--quick]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.common import (
    BENCH_AMQP, CpuMeter, LeanClient, RunMeter, closed_loop, exclusive_run, machine_info, print_figures, sale_voucher,
)
from scripts.platform import ensure_vhost

NAME = "rpc_floor"
ROOT = Path(__file__).resolve().parent.parent
PORT = 30090
SERVICES = ("FloorEcho", "FloorFront")


def start(var, cls):
    config = var / f"{cls}.yaml"
    config.write_text(f"AMQP_URI: {BENCH_AMQP}\nWEB_SERVER_ADDRESS: 127.0.0.1:{PORT}\nmax_workers: 100\n"
                      "LOG_LEVEL: WARNING\n")
    log = open(var / f"{cls}.log", "ab")
    return subprocess.Popen([str(Path(sys.executable).parent / "nameko"), "run", "--config", str(config),
                             f"bench.rpc_floor_services:{cls}"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)


def wait_ready(url, body, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.post(url, json=body, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


def run(users=20, duration=15.0, warmup=3.0, log=print):
    log(f"== {NAME}: one RPC behind one HTTP request, nothing else")
    machine = machine_info()
    figures = {}
    with exclusive_run(log), RunMeter() as run_meter:
        ensure_vhost(BENCH_AMQP)
        var = Path(tempfile.mkdtemp(prefix="suanpan-floor-"))
        procs = {}
        try:
            for cls in SERVICES:
                procs[cls] = start(var, cls)
            body = sale_voucher(1)
            wait_ready(f"http://127.0.0.1:{PORT}/echo", body)

            def worker(i):
                client = LeanClient(f"http://127.0.0.1:{PORT}")
                payload = sale_voucher(i + 1)

                def once():
                    status, reply = client.request("POST", "/echo", payload)
                    return status == 200 and reply == payload
                return once

            with CpuMeter({"echo": procs["FloorEcho"].pid, "front": procs["FloorFront"].pid}) as meter:
                result = closed_loop(worker, users, duration, warmup=warmup)
            rate = result["throughput_per_s"]
            figures.update({"users": users, "seconds": duration, "requests_per_s": rate,
                            "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "errors": result["errors"]})
            figures.update(meter.result)
            busy_core_ms = meter.result["cpu_machine_pct"] / 100 * (os.cpu_count() or 1) * 1000
            figures["machine_cpu_ms_per_request"] = round(busy_core_ms / rate, 2) if rate else None
            figures["voucher_ceiling_per_s"] = round(rate / 3, 1)  # create + review + post
        finally:
            for proc in procs.values():
                proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    figures["run_cpu_other_pct_core"] = run_meter.other_pct_core
    print_figures(NAME, figures)
    return {"benchmark": NAME, "figures": figures, "machine": machine}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run, for trying the script out")
    args = parser.parse_args()
    kwargs = dict(duration=4.0, warmup=1.0) if args.quick else {}
    print(json.dumps(run(**kwargs), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
