"""servicekit.green.offload: blocking C work off the eventlet hub.

In the pytest process eventlet has not monkey-patched anything, so offload must
just call the function. The real behaviour is checked in a fresh interpreter
that calls eventlet.monkey_patch() first, as `nameko run` does."""
import json
import os
import subprocess
import sys
import threading

import pytest
from eventlet.patcher import is_monkey_patched

from servicekit.green import offload


def test_pytest_process_is_not_monkey_patched():
    assert not is_monkey_patched("thread")


def test_runs_directly_without_monkey_patching():
    caller = threading.get_ident()
    seen = {}

    def work(a, b, *, scale):
        seen["thread"] = threading.get_ident()
        return (a + b) * scale

    assert offload(work, 2, 3, scale=10) == 50
    assert seen["thread"] == caller  # no thread hop in plain scripts and unit tests


def test_propagates_exceptions_directly():
    class Boom(Exception):
        pass

    def fail():
        raise Boom("借贷不平")

    with pytest.raises(Boom, match="借贷不平"):
        offload(fail)


GREEN_SCRIPT = r'''
import eventlet
eventlet.monkey_patch()

import json, os, threading, time
from eventlet.patcher import original
from servicekit.green import offload

blocking_sleep = original("time").sleep   # the real, hub-blocking sleep
main_thread = original("threading").get_ident()
DELAY = 0.3

def work(i):
    blocking_sleep(DELAY)               # stands in for ~60 ms of argon2 C code
    return i * i, original("threading").get_ident()

def fail():
    blocking_sleep(0.01)
    raise KeyError("from the worker thread")

ticks = []
def ticker():
    while True:
        ticks.append(time.monotonic())
        eventlet.sleep(0.01)

def max_gap(since, until):
    times = [since] + [t for t in ticks if since <= t <= until] + [until]
    return max(b - a for a, b in zip(times, times[1:]))

tick_thread = eventlet.spawn(ticker)
eventlet.sleep(0.05)

# 1) offloaded: four at once from green threads
start = time.monotonic()
pool = eventlet.GreenPool()
results = list(pool.imap(lambda i: offload(work, i), range(4)))
offloaded = time.monotonic() - start
offloaded_gap = max_gap(start, start + offloaded)
ticks_during_offload = sum(1 for t in ticks if start <= t <= start + offloaded)

# 2) the same call run on the hub directly, to show the ticker does notice blocking
start = time.monotonic()
work(0)
direct = time.monotonic() - start
eventlet.sleep(0.02)
direct_gap = max_gap(start, start + direct + 0.005)

try:
    offload(fail)
    error = None
except KeyError as exc:
    error = repr(exc)

tick_thread.kill()
print(json.dumps({
    "results": [r[0] for r in results],
    "worker_threads": sorted({r[1] for r in results}),
    "main_thread": main_thread,
    "offloaded": offloaded,
    "offloaded_gap": offloaded_gap,
    "ticks_during_offload": ticks_during_offload,
    "direct": direct,
    "direct_gap": direct_gap,
    "error": error,
}))
'''


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGURATIONS = {"default": {}, "two_slots": {"CPU_HEAVY_CONCURRENCY": "2"}}


@pytest.fixture(scope="module")
def green_runs():
    """Both configurations run at once in fresh interpreters (each needs its own
    monkey-patched process); results by configuration name."""
    procs = {}
    for label, extra in CONFIGURATIONS.items():
        env = {k: v for k, v in os.environ.items() if k not in ("PSYCOPG_WAIT_FUNC", "CPU_HEAVY_CONCURRENCY")}
        env.update(PYTHONPATH=REPO_ROOT, PYTHONWARNINGS="ignore", **extra)
        procs[label] = subprocess.Popen([sys.executable, "-c", GREEN_SCRIPT], cwd=REPO_ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {}
    for label, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=60)
        results[label] = (proc.returncode, stdout, stderr)
    return results


def _run(green_runs, label):
    returncode, stdout, stderr = green_runs[label]
    assert returncode == 0, stderr[-3000:]
    return json.loads(stdout.strip().splitlines()[-1])


def test_offload_keeps_the_hub_free_under_monkey_patching(green_runs):
    out = _run(green_runs, "default")
    assert out["results"] == [0, 1, 4, 9]
    # ran in real OS threads, not on the hub's thread
    assert out["main_thread"] not in out["worker_threads"]
    assert len(out["worker_threads"]) >= 2
    # 4 x 0.3 s of blocking work in parallel: well under the 1.2 s it takes in series
    assert out["offloaded"] < 0.75, out
    # and the hub kept running green threads meanwhile
    assert out["ticks_during_offload"] >= 10, out
    assert out["offloaded_gap"] < 0.15, out
    # control: the same work run on the hub stalls the ticker for its whole length
    assert out["direct_gap"] >= 0.25, out
    # exceptions raised in the worker thread reach the caller
    assert out["error"] == "KeyError('from the worker thread')"


def test_concurrency_is_bounded_by_the_setting(green_runs):
    out = _run(green_runs, "two_slots")
    assert out["results"] == [0, 1, 4, 9]
    # two at a time: two rounds of 0.3 s, yet the hub still ticks
    assert 0.55 <= out["offloaded"] < 1.1, out
    assert out["offloaded_gap"] < 0.15, out
