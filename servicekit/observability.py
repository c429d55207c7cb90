"""Logs, metrics and health for every service.

- JSON log lines carry the service, the nameko call id and the call id stack, so
  one user action can be followed across RPC hops (nameko passes the stack on).
- RED metrics per entrypoint (calls by outcome, latency histogram).
- /healthz (the process answers), /readyz (database and broker reachable) and
  /metrics on the service's own HTTP port (WEB_SERVER_ADDRESS).
"""
import json
import logging
import sys
import threading
import time
from datetime import datetime, timezone

from kombu import Connection
from nameko.extensions import DependencyProvider
from .web import http
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from werkzeug.wrappers import Response

from .config import setting
from .errors import AppError

# threading.local is green-local once eventlet has monkey-patched the process.
_current = threading.local()

ENTRYPOINT_CALLS = Counter(
    "suanpan_entrypoint_calls_total", "Entrypoint calls by outcome",
    ["service", "entrypoint", "outcome"],
)
ENTRYPOINT_LATENCY = Histogram(
    "suanpan_entrypoint_duration_seconds", "Entrypoint latency",
    ["service", "entrypoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def format(self, record):
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        call_id = getattr(_current, "call_id", None)
        if call_id:
            entry["call_id"] = call_id
            entry["call_id_stack"] = getattr(_current, "call_id_stack", None)
        for key in ("event_id", "event_type", "agency_id", "user_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ClientErrorsAreNotCrashes(logging.Filter):
    """nameko logs every exception a worker raises as a crash, with a traceback.
    A refused request (an AppError with a 4xx status: wrong password, not found)
    is normal business: keep one INFO line without the traceback."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, AppError) and error.status < 500:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "refused %s: %s %s", (
                getattr(record.args[0], "call_id", "") if record.args else "", error.code, error.message_en)
            record.exc_info = record.exc_text = None
        return True


def configure_logging(service, level=None):
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(ClientErrorsAreNotCrashes())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or setting("LOG_LEVEL", "INFO")).upper())
    for noisy in ("amqp", "kombu", "eventlet.wsgi.server", "nameko.messaging"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class Observability(DependencyProvider):
    """Add to every service class: sets the call id for log lines and records
    per-entrypoint metrics. Client errors (4xx AppErrors) count as their own outcome
    so a bad password does not look like an outage."""

    def __init__(self, configure_logs=True):
        self.configure_logs = configure_logs
        self._started = {}

    def setup(self):
        if self.configure_logs:
            configure_logging(self.container.service_name)

    def worker_setup(self, worker_ctx):
        _current.call_id = worker_ctx.call_id
        _current.call_id_stack = worker_ctx.call_id_stack
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        name = worker_ctx.entrypoint.method_name
        service = self.container.service_name
        if started is not None:
            ENTRYPOINT_LATENCY.labels(service, name).observe(time.perf_counter() - started)
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], AppError) and exc_info[1].status < 500:
            outcome = "client_error"
        else:
            outcome = "error"
        ENTRYPOINT_CALLS.labels(service, name, outcome).inc()

    def worker_teardown(self, worker_ctx):
        _current.call_id = None
        _current.call_id_stack = None
        self._started.pop(worker_ctx, None)


def broker_reachable(timeout=2):
    try:
        with Connection(setting("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"), connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False


class HealthEndpoints:
    """Mixin for a nameko service class: /healthz, /readyz, /metrics.

    Readiness checks the broker and, when the service has a `db` dependency,
    its database, so Kubernetes sends no traffic to a pod that cannot work."""

    def readiness_checks(self):
        checks = {"broker": broker_reachable()}
        db = getattr(self, "db", None)
        if db is not None:
            from .db import ping  # local import: the gateway has no database

            checks["database"] = ping(db.engine)
        return checks

    @http("GET", "/healthz")
    def healthz(self, request):
        return Response(json.dumps({"status": "ok"}), mimetype="application/json")

    @http("GET", "/readyz")
    def readyz(self, request):
        checks = self.readiness_checks()
        ready = all(checks.values())
        body = {"status": "ready" if ready else "not_ready", "checks": checks}
        return Response(json.dumps(body), status=200 if ready else 503, mimetype="application/json")

    @http("GET", "/metrics")
    def metrics(self, request):
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
