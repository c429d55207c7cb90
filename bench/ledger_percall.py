"""The ledger's own CPU per create, review and post, measured inside one process:
the service class's RPC methods called directly (no RabbitMQ, no gateway), with
its real database, auth check, settings and use cases, under eventlet as in
production. What it leaves out is nameko's RPC machinery (the `rpc_floor` echo's
0.7 ms or so per call) and the outbox relay.

The platform is started as for `ledger_vouchers` (agency, 20 clients with a book
and an assigned accountant each, one supervisor, all through the API); then a
worker process per run drives `cycles` create+review+post cycles, `concurrency`
books at a time, and reports its CPU time per call. Several source trees can be
compared against the same data in one sitting, runs interleaved (A B A B…), which
is what makes small differences visible on a shared machine:

    .venv/bin/python -m bench.ledger_percall [--trees /path/a,/path/b] [--runs 3] [--cycles 300]
        [--profile [--sort cumulative] [--match services/ledger]]

Each tree is a checkout of this repository (the worker runs its `services.ledger`
and `servicekit`); the default is this one. `--profile` adds a cProfile run per
tree and prints its top functions by own time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2026-01"


# --------------------------------------------------------------------------- the worker

def worker(spec):
    """Runs in its own process, in the tree under test (cwd)."""
    import eventlet

    eventlet.monkey_patch()
    import cProfile
    import io
    import pstats

    from kombu.serialization import dumps
    from nameko.testing.services import worker_factory

    import servicekit  # noqa: F401 - psycopg's wait function
    from servicekit.auth import AuthContext, RequestInfo, signed_context
    from servicekit.db import Database
    from services.ledger.service import LedgerService
    from bench.common import sale_voucher

    database = Database()
    database.setup()
    handle = database.get_dependency(None)
    tools = LedgerService.tools
    tools.setup()
    deps = tools.get_dependency(None)

    def context(user_id, role, i):
        auth = AuthContext(agency_id=spec["agency_id"], user_id=user_id, roles=(role,))
        return {**signed_context(auth), "client_ip": f"10.6.1.{i + 1}", "client_user_agent": "bench"}

    books = []
    for i, (client_id, accountant_id) in enumerate(zip(spec["client_ids"], spec["accountant_ids"])):
        books.append((client_id, context(accountant_id, "accountant", i),
                      context(spec["supervisor_id"], "supervisor", i)))

    # the dependencies the calls do not use (metrics, the relay, RPC to clients) are
    # mocks, made once: building a MagicMock per call would cost more than the call
    injected = vars(worker_factory(LedgerService, db=handle, tools=deps))

    def service(context_data):
        # a new instance per call, as nameko makes one per worker
        instance = LedgerService()
        vars(instance).update(injected)
        instance.caller = RequestInfo(context_data)
        return instance

    counter = [spec["seed"]]

    def cycle(book):
        client_id, creator, checker = book
        counter[0] += 1
        voucher = service(creator).create_voucher(client_id, sale_voucher(counter[0], PERIOD))
        dumps(voucher, "json")  # the reply is serialized as nameko does
        dumps(service(checker).review_voucher(client_id, voucher["id"]), "json")
        posted = service(checker).post_voucher(client_id, voucher["id"])
        dumps(posted, "json")
        assert posted["status"] == "posted", posted

    pool = eventlet.GreenPool(spec["concurrency"])

    def run(cycles):
        list(pool.imap(cycle, (books[n % len(books)] for n in range(cycles))))

    run(spec["warmup"])
    profiler = cProfile.Profile(time.process_time) if spec["profile"] else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    run(spec["cycles"])
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    calls = 3 * spec["cycles"]
    out = {"cpu_ms_per_call": round(1000 * cpu / calls, 3), "calls_per_s": round(calls / wall, 1)}
    if profiler:
        text = io.StringIO()
        restrictions = [spec["match"], spec["top"]] if spec["match"] else [spec["top"]]
        pstats.Stats(profiler, stream=text).sort_stats(spec["sort"]).print_stats(*restrictions)
        out["profile"] = text.getvalue()
    database.stop()
    print("RESULT " + json.dumps(out))


# --------------------------------------------------------------------------- the driver

def run_worker(tree, env, spec):
    proc = subprocess.run([sys.executable, "-W", "ignore", "-m", "bench.ledger_percall", "--worker"],
                          cwd=tree, env={**env, "PYTHONPATH": str(tree)}, input=json.dumps(spec),
                          capture_output=True, text=True, timeout=1800)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"worker in {tree} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trees", default=str(ROOT), help="comma-separated source trees to compare")
    parser.add_argument("--runs", type=int, default=3, help="runs per tree, interleaved")
    parser.add_argument("--cycles", type=int, default=300, help="create+review+post cycles per run")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="one more run per tree under cProfile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime, cumulative…")
    parser.add_argument("--match", default="", help="only functions whose path matches this regex")
    args = parser.parse_args()
    if args.worker:
        worker(json.load(sys.stdin))
        return

    from bench.common import bench_platform, make_books, make_clients, register_agency, staff_tokens
    from bench.ledger_vouchers import assign

    users = 20
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    results = {str(t): [] for t in trees}
    with bench_platform() as plat:
        base = plat.url("gateway")
        admin = register_agency(plat, name="咸阳记账基准财税")
        token = admin["access_token"]
        client_ids = make_clients(base, token, users)
        make_books(base, token, client_ids, start_period=PERIOD)
        accountants = staff_tokens(plat, token, users, "accountant")
        supervisor = staff_tokens(plat, token, 1, "supervisor")[0]
        assign(base, token, client_ids, accountants)
        time.sleep(2)  # the assignments reach the ledger's projection by events
        env = plat.env("ledger")
        env.pop("WEB_SERVER_ADDRESS", None)
        spec = {"agency_id": admin["agency"]["id"], "client_ids": client_ids,
                "accountant_ids": [a["id"] for a in accountants], "supervisor_id": supervisor["id"],
                "cycles": args.cycles, "warmup": 30, "concurrency": args.concurrency, "profile": False,
                "top": args.top, "sort": args.sort, "match": args.match}
        seed = 0
        for run in range(args.runs):
            for tree in trees:
                seed += 100000
                result = run_worker(tree, env, {**spec, "seed": seed})
                results[str(tree)].append(result)
                print(f"  run {run + 1} {tree}: {result}", flush=True)
        if args.profile:
            for tree in trees:
                seed += 100000
                result = run_worker(tree, env, {**spec, "seed": seed, "profile": True})
                print(f"\n== cProfile, {tree} ({result['cpu_ms_per_call']} ms per call under the profiler)")
                print(result["profile"])
    print("\nledger CPU per call, ms (median of runs; each run's figure in brackets)")
    for tree, runs in results.items():
        figures = [r["cpu_ms_per_call"] for r in runs]
        print(f"  {statistics.median(figures):6.3f}  {figures}  {tree}")


if __name__ == "__main__":
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
    main()
