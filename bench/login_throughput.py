"""Logins (argon2id: deliberately slow) and, as the reference for an ordinary
RPC-backed request, GET /api/v1/me.

a) argon2id verify of one password hash in this process (the floor of a login).
b) Sequential logins over HTTP through the gateway: latency p50/p99.
c) 4 and 8 concurrent clients logging in back to back (each its own user and
   address) for a fixed time: logins/s and latency, and the CPU each process used.
d) GET /api/v1/me (token check in the gateway, one RPC to identity, two small
   queries): sequential latency, then 10 concurrent clients: requests/s, latency.
e) GET /api/v1/me with 2 clients while 8 clients log in: what a login storm
   does to everything else identity serves (same process, same worker pool).

    .venv/bin/python -m bench.login_throughput [--quick]
"""
import argparse
import json
import sys
import threading
import time

import requests

from bench.common import (
    PASSWORD, CpuMeter, LeanClient, bench_platform, closed_loop, create_users, login, machine_info, platform_pids,
    print_figures, register_agency, RunMeter, summarize,
)

NAME = "login_throughput"


def argon2_in_process(n=15):
    from services.identity.domain.passwords import hash_password, verify_password

    stored = hash_password(PASSWORD)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        assert verify_password(stored, PASSWORD)
        times.append(time.perf_counter() - t0)
    return summarize(times)["p50"], stored.split("$")[3]


def sequential_logins(base, email, n):
    times = []
    with requests.Session() as http:
        login(http, base, email, ip="10.1.0.1")  # warm-up
        for _ in range(n):
            t0 = time.perf_counter()
            login(http, base, email, ip="10.1.0.1")
            times.append(time.perf_counter() - t0)
    return summarize(times)


def login_worker(base, emails):
    def make(i):
        client = LeanClient(base, {"X-Forwarded-For": f"10.2.0.{i + 1}", "User-Agent": "suanpan-bench/1.0"})
        body = {"login": emails[i], "password": PASSWORD}

        def one():
            status, reply = client.request("POST", "/api/v1/auth/login", body)
            return status == 200 and "access_token" in reply
        return one
    return make


def me_worker(base, tokens):
    def make(i):
        client = LeanClient(base, {"Authorization": f"Bearer {tokens[i % len(tokens)]}",
                                   "X-Forwarded-For": f"10.3.0.{i + 1}"})
        return lambda: client.request("GET", "/api/v1/me")[0] == 200
    return make


def me_sequential(base, token, n, warmup=50):
    client = LeanClient(base, {"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.3.1.1"})
    times = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        status, _ = client.request("GET", "/api/v1/me")
        assert status == 200, status
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    client.close()
    return summarize(times)


def run(n_sequential=50, login_clients=(4, 8), login_seconds=10.0, me_clients=10, me_seconds=10.0,
        storm_seconds=8.0, n_me_sequential=300, log=print):
    log(f"== {NAME}: starting the platform")
    machine = machine_info()
    figures = {}
    argon2_ms, argon2_params = argon2_in_process()
    figures["argon2_verify_in_process_p50_ms"] = argon2_ms
    figures["argon2_params"] = argon2_params
    with RunMeter() as run_meter:
        with bench_platform(log=log) as plat:
            base = plat.url("gateway")
            admin = register_agency(plat)
            users = create_users(plat, admin["access_token"], max(max(login_clients), 1))

            log(f"  b) {n_sequential} sequential logins")
            seq = sequential_logins(base, admin["email"], n_sequential)
            figures.update({"login_sequential_p50_ms": seq["p50"], "login_sequential_p99_ms": seq["p99"],
                            "login_sequential_per_s": round(1000 / seq["mean"], 1)})

            for clients in login_clients:
                log(f"  c) {clients} concurrent clients logging in for {login_seconds:.0f}s")
                with CpuMeter(platform_pids(plat)) as meter:
                    result = closed_loop(login_worker(base, users), clients, login_seconds, warmup=1.5)
                prefix = f"login_c{clients}"
                figures.update({f"{prefix}_per_s": result["throughput_per_s"], f"{prefix}_p50_ms": result["p50_ms"],
                                f"{prefix}_p99_ms": result["p99_ms"], f"{prefix}_errors": result["errors"]})
                figures.update({f"{prefix}_{k}": v for k, v in meter.result.items()})

            log(f"  d) GET /api/v1/me: {n_me_sequential} sequential, then {me_clients} concurrent clients "
                f"for {me_seconds:.0f}s")
            with requests.Session() as http:
                tokens = [login(http, base, email, ip="10.4.0.1")["access_token"] for email in users]
            seq = me_sequential(base, tokens[0], n_me_sequential)
            figures.update({"me_sequential_p50_ms": seq["p50"], "me_sequential_p99_ms": seq["p99"]})
            with CpuMeter(platform_pids(plat)) as meter:
                result = closed_loop(me_worker(base, tokens), me_clients, me_seconds, warmup=1.0)
            prefix = f"me_c{me_clients}"
            figures.update({f"{prefix}_req_per_s": result["throughput_per_s"], f"{prefix}_p50_ms": result["p50_ms"],
                            f"{prefix}_p99_ms": result["p99_ms"], f"{prefix}_errors": result["errors"]})
            figures.update({f"{prefix}_{k}": v for k, v in meter.result.items()})

            if storm_seconds:
                log(f"  e) GET /api/v1/me, 2 clients, while 8 clients log in, {storm_seconds:.0f}s")
                storm = {}
                emails = (users * 2)[:8]
                thread = threading.Thread(target=lambda: storm.update(
                    closed_loop(login_worker(base, emails), 8, storm_seconds, warmup=1.5)), daemon=True)
                thread.start()
                result = closed_loop(me_worker(base, tokens), 2, storm_seconds, warmup=1.5)
                thread.join(storm_seconds + 60)
                figures.update({"me_c2_during_logins_req_per_s": result["throughput_per_s"],
                                "me_c2_during_logins_p50_ms": result["p50_ms"],
                                "me_c2_during_logins_p99_ms": result["p99_ms"],
                                "me_c2_during_logins_errors": result["errors"],
                                "logins_during_me_per_s": storm.get("throughput_per_s")})
    figures["run_cpu_other_pct_core"] = run_meter.other_pct_core
    figures["run_disturbed"] = run_meter.other_pct_core > RunMeter.DISTURBED_PCT
    print_figures(NAME, figures)
    return {"benchmark": NAME, "figures": figures, "machine": machine}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for trying the script out")
    args = parser.parse_args()
    kwargs = dict(n_sequential=10, login_seconds=3.0, me_seconds=3.0, storm_seconds=3.0) if args.quick else {}
    print(json.dumps(run(**kwargs), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\ninterrupted: the platform was stopped and the bench databases dropped", file=sys.stderr)
        sys.exit(130)
