"""Start and stop the platform's processes on one machine, exactly as in
production: one `nameko run` process per service, each with its own database and
HTTP port, configured only through environment variables.

Used by `make run` (scripts/run.py), the integration tests and the benchmarks.
"""
import base64
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    config: str
    port: int
    has_db: bool


# every service that is built; the order is the start order
SERVICES = [
    ServiceSpec("identity", "services.identity.service:IdentityService", "services/identity/config.yaml", 8001, True),
    ServiceSpec("clients", "services.clients.service:ClientsService", "services/clients/config.yaml", 8002, True),
    ServiceSpec("ledger", "services.ledger.service:LedgerService", "services/ledger/config.yaml", 8003, True),
    ServiceSpec("gateway", "gateway.service:GatewayService", "gateway/config.yaml", 8000, False),
]
SPECS = {spec.name: spec for spec in SERVICES}


def database_url(base, name):
    """base: a PostgreSQL URL to any database on the server; name: the database."""
    head, _, _ = base.rpartition("/")
    return f"{head}/{name}"


class LocalSecrets:
    """Development secrets kept under var/secrets (production mounts Secrets)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def field_keys(self):
        path = self.folder / "field_encryption_keys"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_text("dev1:" + base64.b64encode(os.urandom(32)).decode())
            path.chmod(0o600)
        return path.read_text().strip()

    def auth_context_key(self):
        """The key every process signs and checks auth contexts with (servicekit.auth).
        AUTH_CONTEXT_KEY from the environment wins (the test suite sets one for all
        its platforms and its own calls)."""
        if os.environ.get("AUTH_CONTEXT_KEY"):
            return os.environ["AUTH_CONTEXT_KEY"]
        path = self.folder / "auth_context_key"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_text(os.urandom(32).hex())
            path.chmod(0o600)
        return path.read_text().strip()

    def jwt_key_path(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        return str(self.folder / "jwt_ed25519.pem")  # identity creates it on first start


class Platform:
    def __init__(self, *, var_dir, db_prefix="suanpan", port_offset=0, amqp_uri=None,
                 postgres_url=None, extra_env=None, stream_logs=True, replicas=None):
        self.var = Path(var_dir)
        # processes per service beyond the first ({"ledger": 2}: ledger and ledger-2), as
        # Kubernetes runs replicas: they share the service's queue and database
        self.replicas = dict(replicas or {})
        self.db_prefix = db_prefix
        self.port_offset = port_offset
        self.amqp_uri = amqp_uri or os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
        self.postgres_url = postgres_url or os.environ.get(
            "POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        self.extra_env = dict(extra_env or {})
        self.stream_logs = stream_logs
        self.secrets = LocalSecrets(self.var / "secrets")
        self.processes = {}
        (self.var / "log").mkdir(parents=True, exist_ok=True)

    # -- settings ---------------------------------------------------------
    @staticmethod
    def spec(name):
        """The service a process name runs ("ledger-2" runs ledger)."""
        return SPECS[name.split("-")[0]]

    def port(self, name):
        replica = int(name.split("-")[1]) if "-" in name else 1
        return self.spec(name).port + self.port_offset + 100 * (replica - 1)

    def process_names(self, spec):
        return [spec.name] + [f"{spec.name}-{i}" for i in range(2, self.replicas.get(spec.name, 1) + 1)]

    def url(self, name):
        return f"http://127.0.0.1:{self.port(name)}"

    def database_url(self, name):
        return database_url(self.postgres_url, f"{self.db_prefix}_{name}")

    def dev_outbox(self):
        return self.var / "dev-outbox" / "messages.jsonl"

    def env(self, name):
        env = dict(os.environ)
        env.update({
            "PSYCOPG_WAIT_FUNC": "wait_select",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": f"127.0.0.1:{self.port(name)}",
            "FIELD_ENCRYPTION_KEYS": self.secrets.field_keys(),
            "AUTH_CONTEXT_KEY": self.secrets.auth_context_key(),
            "JWT_PRIVATE_KEY_FILE": self.secrets.jwt_key_path(),
            "NOTIFY_EMAIL_BACKEND": env.get("NOTIFY_EMAIL_BACKEND", "dev"),
            "NOTIFY_SMS_BACKEND": env.get("NOTIFY_SMS_BACKEND", "dev"),
            "DEV_OUTBOX_PATH": str(self.dev_outbox()),
        })
        if self.spec(name).has_db:
            env["DATABASE_URL"] = self.database_url(self.spec(name).name)
        env.update(self.extra_env)
        return env

    # -- lifecycle --------------------------------------------------------
    def migrate(self):
        from servicekit.migrate import upgrade  # needs the virtualenv's packages

        for spec in SERVICES:
            if spec.has_db:
                upgrade(spec.name, self.database_url(spec.name), create_db=True)

    def start(self, name):
        spec = self.spec(name)
        log_path = self.var / "log" / f"{name}.log"
        log_file = open(log_path, "ab")
        proc = subprocess.Popen(
            [str(VENV_BIN / "nameko"), "run", "--config", spec.config, spec.module],
            cwd=ROOT, env=self.env(name), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us once; we stop the children in order
        )
        threading.Thread(target=self._pump, args=(name, proc, log_file), daemon=True).start()
        self.processes[name] = proc
        return proc

    def _pump(self, name, proc, log_file):
        for line in iter(proc.stdout.readline, b""):
            log_file.write(line)
            log_file.flush()
            if self.stream_logs:
                sys.stdout.write(f"[{name}] {line.decode(errors='replace')}")
        log_file.close()

    def wait_ready(self, name, timeout=60):
        deadline = time.monotonic() + timeout
        url = self.url(name) + "/readyz"
        while time.monotonic() < deadline:
            proc = self.processes.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.var}/log/{name}.log")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{name} not ready after {timeout}s; see {self.var}/log/{name}.log")

    def start_all(self, timeout=60):
        for spec in SERVICES:
            for name in self.process_names(spec):
                self.start(name)
        for spec in SERVICES:
            for name in self.process_names(spec):
                self.wait_ready(name, timeout)

    def stop(self, name, timeout=15):
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # nameko finishes running workers, then exits
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def kill(self, name):
        """SIGKILL: a crash, for the fault tests."""
        proc = self.processes.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def stop_all(self):
        for spec in reversed(SERVICES):
            for name in reversed(self.process_names(spec)):
                self.stop(name)


def ensure_vhost(amqp_uri, management_url=None):
    """Create the RabbitMQ virtual host named in amqp_uri (tests run in their own
    vhost so they never touch a running `make run`). Uses the management API, and
    rabbitmqctl when the API is not there."""
    from urllib.parse import quote, unquote, urlparse

    parsed = urlparse(amqp_uri)
    vhost = unquote(parsed.path[1:]) if parsed.path not in ("", "/") else "/"
    if vhost == "/":
        return
    user, password = parsed.username or "guest", parsed.password or "guest"
    api = management_url or os.environ.get("RABBITMQ_MANAGEMENT_URL", f"http://{parsed.hostname}:15672")
    try:
        requests.put(f"{api}/api/vhosts/{quote(vhost, safe='')}", auth=(user, password), timeout=5).raise_for_status()
        requests.put(f"{api}/api/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}", auth=(user, password),
                     json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=5).raise_for_status()
    except requests.RequestException:
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"], check=True,
                       capture_output=True)


def drop_databases(postgres_url, prefix):
    """Drop every database whose name starts with prefix_ (test runs start clean)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        names = [row[0] for row in conn.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{prefix}\\_%"})]
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
