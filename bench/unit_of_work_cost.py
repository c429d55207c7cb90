"""The CPU a service process spends per unit of work on the database path alone, as
the services run it (eventlet, psycopg waiting with select, servicekit's engine):
`servicekit.db.session_scope` with a few trivial statements, by several green
threads at once. No nameko, no RabbitMQ: what a round trip, the connection
checkout and the commit cost in the process, separately from the service's SQL.

    .venv/bin/python -m bench.unit_of_work_cost [--units 3000] [--statements 3]

Prints CPU µs per unit of work (and per statement) for each variant.
"""
import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

from sqlalchemy import text  # noqa: E402

import servicekit  # noqa: E402,F401 - sets psycopg's wait function
from servicekit.db import make_engine, session_scope  # noqa: E402

URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SELECT = text("SELECT CAST(:x AS integer) + 1")


def measure(engine, units, statements, concurrency=10):
    """CPU µs per unit of work of `statements` SELECTs, `concurrency` at once."""
    def one_unit(i):
        with session_scope(engine) as session:
            for _ in range(statements):
                session.execute(SELECT, {"x": i}).scalar()

    pool = eventlet.GreenPool(concurrency)
    list(pool.imap(one_unit, range(50)))  # warm the pool and the statement caches
    cpu0, wall0 = time.process_time(), time.perf_counter()
    list(pool.imap(one_unit, range(units)))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"cpu_us_per_unit": round(1e6 * cpu / units, 1), "units_per_s": round(units / wall)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--statements", type=int, default=3)
    args = parser.parse_args()
    results = {}
    for name, options in (("servicekit engine", {}), ("pool_pre_ping on every checkout", {"pool_pre_ping": True})):
        engine = make_engine(URL, **options)
        try:
            results[name] = {f"{n} statement(s)": measure(engine, args.units, n) for n in (1, args.statements)}
        finally:
            engine.dispose()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
