"""What every benchmark shares: a platform of its own (vhost, databases, ports),
an agency signed up through the API, latency summaries, a bounded closed-loop
load generator and a CPU meter for the platform's processes.

Everything talks to 127.0.0.1 only. The platform is stopped and its databases
dropped at the end, also on an error, Ctrl-C or SIGTERM. The processes' logs are
removed after a good run (kept after a failure, or always with BENCH_KEEP_LOGS=1).
"""
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from scripts.platform import Platform, drop_databases, ensure_vhost

BENCH_AMQP = os.environ.get("BENCH_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/suanpan_bench")
BENCH_PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# another prefix and offset (and so another lock) let two people bench at once on one machine
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "suanpan_bench")
PORT_OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "30000"))
EXTRA_ENV = {
    "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",  # we log in hundreds of times a minute from one address
    "TRUSTED_PROXY_HOPS": "1",  # each client poses as its own address with X-Forwarded-For
}
PASSWORD = "Xian#Ledger2026"
HTTP_TIMEOUT = 30


# --------------------------------------------------------------------------- numbers

def percentile(sorted_values, q):
    """Linear interpolation between closest ranks (q in 0..100) of a sorted list."""
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def summarize(seconds, scale=1000.0, qs=(50, 95, 99)):
    """{"p50": .., "p95": .., "p99": .., "mean": .., "n": ..} of durations in seconds,
    scaled (1000 = ms, 1e6 = µs) and rounded."""
    values = sorted(s * scale for s in seconds)
    out = {f"p{q}": round(percentile(values, q), 3) for q in qs}
    out["mean"] = round(sum(values) / len(values), 3) if values else float("nan")
    out["n"] = len(values)
    return out


# --------------------------------------------------------------------------- the platform

class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so the `finally` blocks stop the platform."""


def _on_sigterm(signum, frame):
    raise _Terminated()


LOCK_PATH = Path(tempfile.gettempdir()) / ("suanpan-bench.lock" if DB_PREFIX == "suanpan_bench"
                                           else f"{DB_PREFIX}.lock")


@contextlib.contextmanager
def exclusive_run(log=print, timeout=900):
    """One benchmark platform at a time on this machine: they share the vhost, the
    database prefix and the ports, and a second run would drop the first one's
    databases (and the figures of both would be each other's load)."""
    import fcntl

    handle = open(LOCK_PATH, "a+")
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another benchmark run holds {LOCK_PATH}") from None
                if not told:
                    log(f"  waiting for another benchmark run to finish ({LOCK_PATH})")
                    told = True
                time.sleep(1)
        yield
    finally:
        handle.close()  # releases the lock


@contextlib.contextmanager
def bench_platform(log=print, replicas=None):
    """Start the platform's processes in the bench vhost and databases; yield the
    Platform; stop everything and drop the databases whatever happens. `replicas`:
    processes per service beyond one, e.g. {"ledger": 2}."""
    with exclusive_run(log):
        with _bench_platform(log, replicas) as plat:
            yield plat


@contextlib.contextmanager
def _bench_platform(log, replicas=None):
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    var = Path(tempfile.mkdtemp(prefix="suanpan-bench-"))
    plat = None
    ok = False
    try:
        ensure_vhost(BENCH_AMQP)
        drop_databases(BENCH_PG, DB_PREFIX)
        plat = Platform(var_dir=var, db_prefix=DB_PREFIX, port_offset=PORT_OFFSET, amqp_uri=BENCH_AMQP,
                        postgres_url=BENCH_PG, extra_env=EXTRA_ENV, stream_logs=False, replicas=replicas)
        started = time.monotonic()
        plat.migrate()
        plat.start_all(timeout=90)
        log(f"  platform up in {time.monotonic() - started:.1f}s (logs in {var}/log)")
        yield plat
        ok = True
    finally:
        if plat is not None:
            plat.stop_all()
        try:
            drop_databases(BENCH_PG, DB_PREFIX)
        except Exception as exc:  # noqa: BLE001 - report, but let the original error through
            log(f"  could not drop the bench databases: {exc}")
        if ok and not os.environ.get("BENCH_KEEP_LOGS"):
            shutil.rmtree(var, ignore_errors=True)
        else:
            log(f"  logs kept in {var}/log")
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def read_code(plat, to, timeout=15):
    """The latest one-time code sent to `to`, from the dev outbox file."""
    path = Path(plat.dev_outbox())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            codes = [re.search(r"\b(\d{6})\b", message["body"]).group(1)
                     for message in map(json.loads, path.read_text(encoding="utf-8").splitlines())
                     if message["to"] == to]
            if codes:
                return codes[-1]
        time.sleep(0.1)
    raise TimeoutError(f"no code for {to} in {path}")


def unique_email(prefix):
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.cn"


def _check(resp, status):
    if resp.status_code != status:
        raise RuntimeError(f"{resp.request.method} {resp.request.path_url}: {resp.status_code} {resp.text[:300]}")
    return resp.json() if resp.content else None


def login(session, base, email, password=PASSWORD, ip="10.0.0.1"):
    resp = session.post(base + "/api/v1/auth/login", json={"login": email, "password": password},
                        headers={"X-Forwarded-For": ip}, timeout=HTTP_TIMEOUT)
    return _check(resp, 200)


def register_agency(plat, name="西安基准财税"):
    """Register an agency through the API, confirm it with the emailed code and
    sign in as its admin: {"email", "access_token", "user", "agency"}."""
    base = plat.url("gateway")
    email = unique_email("admin")
    with requests.Session() as http:
        reply = _check(http.post(base + "/api/v1/agencies", json={
            "agency_name": name, "name": "王会计", "email": email, "password": PASSWORD},
            timeout=HTTP_TIMEOUT), 202)
        verified = _check(http.post(base + "/api/v1/auth/verify", json={
            "registration_id": reply["registration_id"], "code": read_code(plat, email)},
            timeout=HTTP_TIMEOUT), 201)
        tokens = login(http, base, email)
    return {"email": email, "access_token": tokens["access_token"], "user": verified["user"],
            "agency": verified["agency"]}


def create_users(plat, admin_token, count, roles=("accountant",)):
    """`count` staff users of the admin's agency; returns their emails."""
    base = plat.url("gateway")
    emails = []
    with requests.Session() as http:
        for i in range(count):
            email = unique_email(f"staff{i}")
            _check(http.post(base + "/api/v1/users", json={
                "name": f"李会计{i}", "email": email, "password": PASSWORD, "roles": list(roles)},
                headers={"Authorization": f"Bearer {admin_token}"}, timeout=HTTP_TIMEOUT), 201)
            emails.append(email)
    return emails


# --------------------------------------------------------------------------- load

class LeanClient:
    """One keep-alive HTTP/1.1 connection with http.client: a fraction of the
    client CPU `requests` needs per call, which matters when the load generator
    shares the two cores with the platform."""

    def __init__(self, base, headers=None, timeout=HTTP_TIMEOUT):
        from urllib.parse import urlparse

        parsed = urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, parsed JSON or None)."""
        all_headers = {**self.headers, **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            all_headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=payload, headers=all_headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None  # the server closed the kept-alive connection: once more
                if attempt == 2:
                    raise
        return resp.status, (json.loads(data) if data else None)

    def close(self):
        if self.conn is not None:
            self.conn.close()


def closed_loop(make_worker, clients, duration, warmup=1.0):
    """`clients` threads, each calling its own `make_worker(i)()` back to back
    (a closed loop: a new request as soon as the last reply came). Requests that
    end during the first `warmup` seconds are not counted; the run then lasts
    `duration` seconds. The callable returns True for a good reply.

    Returns {"throughput_per_s", "p50_ms", "p95_ms", "p99_ms", "ok", "errors",
    "clients", "seconds"}."""
    workers = [make_worker(i) for i in range(clients)]
    start_barrier = threading.Barrier(clients + 1)
    latencies = [[] for _ in range(clients)]
    errors = [0] * clients
    box = {}

    def loop(i):
        work = workers[i]
        start_barrier.wait()
        t_measure, t_end = box["measure_from"], box["end"]
        mine = latencies[i]
        while True:
            t0 = time.perf_counter()
            if t0 >= t_end:
                return
            try:
                good = work()
            except Exception:  # noqa: BLE001 - counted, not fatal
                good = False
            t1 = time.perf_counter()
            if t1 >= t_measure and t1 <= t_end:
                if good:
                    mine.append(t1 - t0)
                else:
                    errors[i] += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    box["measure_from"] = now + warmup
    box["end"] = now + warmup + duration
    start_barrier.wait()
    for thread in threads:
        thread.join(warmup + duration + HTTP_TIMEOUT + 5)
    done = [x for per in latencies for x in per]
    stats = summarize(done)
    return {
        "throughput_per_s": round(len(done) / duration, 1),
        "p50_ms": stats["p50"], "p95_ms": stats["p95"], "p99_ms": stats["p99"],
        "ok": len(done), "errors": sum(errors), "clients": clients, "seconds": duration,
    }


# --------------------------------------------------------------------------- CPU

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu_seconds(pid, reaped_children=False):
    """user + system CPU seconds of a process (all its threads); with
    `reaped_children`, also of its children that have exited (PostgreSQL's
    postmaster reaps every backend whose connection closed: without them, a
    connection opened and closed within a run would count as nobody's CPU)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _system_busy():
    with open("/proc/stat") as handle:
        parts = [int(x) for x in handle.readline().split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return sum(parts) - idle, sum(parts)


def _pids_named(names):
    """{pid: comm} of the processes whose command name is in `names`."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                comm = Path(f"/proc/{entry}/comm").read_text().strip()
            except OSError:
                continue
            if comm in names:
                found[int(entry)] = comm
    return found


# the platform's dependencies on this machine, by command name
DEPENDENCIES = {"postgres": {"postgres"}, "rabbitmq": {"beam.smp", "erl_child_setup", "epmd"}}


class CpuMeter:
    """CPU used during a stretch of time, in % of one core: per platform process,
    this (client) process, PostgreSQL and RabbitMQ, the whole machine (% of all
    cores) and `other`: what the machine did besides (other people's work on a
    shared machine; a large figure means the run was disturbed)."""

    def __init__(self, pids):
        self.pids = dict(pids)
        self.pids["bench_client"] = os.getpid()

    def _deps(self):
        out = {}
        for group, names in DEPENDENCIES.items():
            for pid in _pids_named(names):
                try:
                    out[pid] = (group, _proc_cpu_seconds(pid, reaped_children=True))
                except OSError:
                    pass
        return out

    def __enter__(self):
        self._t0 = time.monotonic()
        self._cpu0 = {name: _proc_cpu_seconds(pid) for name, pid in self.pids.items()}
        self._deps0 = self._deps()
        self._sys0 = _system_busy()
        return self

    def __exit__(self, *exc):
        wall = time.monotonic() - self._t0
        result = {f"cpu_{name}_pct_core": round(100 * (_proc_cpu_seconds(pid) - self._cpu0[name]) / wall, 1)
                  for name, pid in self.pids.items()}
        for group in DEPENDENCIES:
            result[f"cpu_{group}_pct_core"] = 0.0
        for pid, (group, seconds) in self._deps().items():
            before = self._deps0.get(pid, (group, 0.0))[1]  # a connection opened meanwhile: all of it
            result[f"cpu_{group}_pct_core"] += 100 * (seconds - before) / wall
        for group in DEPENDENCIES:
            result[f"cpu_{group}_pct_core"] = round(result[f"cpu_{group}_pct_core"], 1)
        busy1, total1 = _system_busy()
        busy0, total0 = self._sys0
        machine = round(100 * (busy1 - busy0) / max(1, total1 - total0), 1)
        ours = sum(result.values())
        result["cpu_machine_pct"] = machine
        result["cpu_other_pct_core"] = round(max(0.0, machine * (os.cpu_count() or 1) - ours), 1)
        self.result = result
        return False


class RunMeter:
    """Foreign CPU over a whole benchmark: the machine's busy time minus this
    process, its children (the platform, counted once they have exited, so close
    this after stopping the platform), PostgreSQL and RabbitMQ. In % of a core;
    above DISTURBED_PCT the run shared the machine with other work."""

    DISTURBED_PCT = 20.0

    def __enter__(self):
        self._t0 = time.monotonic()
        self._times0 = os.times()
        self._deps = CpuMeter({})
        self._deps.pids = {}
        self._deps.__enter__()
        return self

    def __exit__(self, *exc):
        self._deps.__exit__()
        wall = time.monotonic() - self._t0
        t1, t0 = os.times(), self._times0
        ours = (t1.user + t1.system + t1.children_user + t1.children_system
                - t0.user - t0.system - t0.children_user - t0.children_system)
        deps = sum(v for k, v in self._deps.result.items() if k in ("cpu_postgres_pct_core", "cpu_rabbitmq_pct_core"))
        machine = self._deps.result["cpu_machine_pct"] * (os.cpu_count() or 1)
        self.other_pct_core = round(max(0.0, machine - deps - 100 * ours / wall), 1)
        return False


def wait_outbox_drained(plat, service, timeout=300):
    """Seconds until every event `service` has written is published (its relay has
    caught up): its database's unpublished outbox rows, every 0.25 s."""
    from sqlalchemy import create_engine, text

    engine = create_engine(plat.database_url(service))
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            with engine.connect() as conn:
                if not conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar():
                    return time.monotonic() - started
            time.sleep(0.25)
    finally:
        engine.dispose()
    raise TimeoutError(f"{service}'s outbox still has a backlog after {timeout}s")


def platform_pids(plat):
    return {name: proc.pid for name, proc in plat.processes.items()}


def machine_info():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "loadavg_1m_at_start": round(os.getloadavg()[0], 2)}


def print_figures(title, figures):
    print(f"\n{title}")
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")


# --------------------------------------------------------------------------- ledger set-up

def expect(status_reply, status, what):
    """The reply of a LeanClient call, or an error naming the call."""
    got, reply = status_reply
    if got != status:
        raise RuntimeError(f"{what}: {got} {json.dumps(reply, ensure_ascii=False)[:400]}")
    return reply


def make_clients(base, token, count, name="西安测试商贸有限公司", workers=4):
    """`count` client companies created through POST /api/v1/clients: their ids, in order."""
    from concurrent.futures import ThreadPoolExecutor

    from bench.clients_list import credit_code

    local = threading.local()

    def one(i):
        if not hasattr(local, "client"):
            local.client = LeanClient(base, {"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.8.0.1"})
        return expect(local.client.request("POST", "/api/v1/clients", {
            "name": f"{name}{i}", "credit_code": credit_code(700000 + i), "taxpayer_type": "small_scale"}),
            201, "create client")["id"]

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(count)))


def make_books(base, token, client_ids, start_period="2026-01", workers=4, **settings):
    """A small-business (小企业会计准则) book for each client: the books' views, in order."""
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()

    def one(client_id):
        if not hasattr(local, "client"):
            local.client = LeanClient(base, {"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.8.0.2"})
        return expect(local.client.request("POST", f"/api/v1/clients/{client_id}/books", {
            "standard": "small_business_2013", "start_period": start_period, **settings}), 201, "create book")

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, client_ids))


def staff_tokens(plat, admin_token, count, role):
    """`count` new users with `role`, signed in: [{"id", "email", "token"}]."""
    base = plat.url("gateway")
    out = []
    with requests.Session() as http:
        for i in range(count):
            email = unique_email(f"{role}{i}")
            user = _check(http.post(base + "/api/v1/users", json={
                "name": f"赵{role}{i}", "email": email, "password": PASSWORD, "roles": [role]},
                headers={"Authorization": f"Bearer {admin_token}"}, timeout=HTTP_TIMEOUT), 201)
            token = login(http, base, email, ip=f"10.7.{i // 250}.{i % 250 + 1}")["access_token"]
            out.append({"id": user["id"], "email": email, "token": token})
    return out


def _yuan(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def sale_voucher(i, period="2026-01"):
    """A 4-line 记 voucher (a sale banked net of a fee, with VAT), amounts to the 分
    varying with `i`: Dr 1002 银行存款, Dr 5602 管理费用 / Cr 5001 主营业务收入, Cr 2221 应交税费."""
    net = 10000 + (i * 7919) % 8999993
    tax = net * 13 // 100
    fee = 1 + (i * 31) % 499
    return {"date": f"{period}-{1 + i % 28:02d}", "lines": [
        {"summary": "销售收款", "account": "1002", "debit": _yuan(net + tax - fee)},
        {"summary": "手续费", "account": "5602", "debit": _yuan(fee)},
        {"summary": "销售收入", "account": "5001", "credit": _yuan(net)},
        {"summary": "销项税额", "account": "2221", "credit": _yuan(tax)},
    ]}


def purchase_voucher(i, period="2026-01"):
    """A 4-line voucher on balance-sheet accounts only (so closing needs no 结转损益):
    Dr 1002 银行存款, Dr 1403 原材料 / Cr 3001 实收资本, Cr 2202 应付账款."""
    a = 50000 + (i * 7919) % 5000000
    b = 1000 + (i * 104729) % 800000
    return {"date": f"{period}-{1 + i % 28:02d}", "lines": [
        {"summary": "收到投资", "account": "1002", "debit": _yuan(a)},
        {"summary": "购入材料", "account": "1403", "debit": _yuan(b)},
        {"summary": "收到投资", "account": "3001", "credit": _yuan(a)},
        {"summary": "购入材料", "account": "2202", "credit": _yuan(b)},
    ]}
