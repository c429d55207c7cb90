"""servicekit.observability: JSON log lines and RED metrics per entrypoint."""
import json
import logging
import sys
import types
import uuid
from datetime import datetime

import pytest
from prometheus_client import REGISTRY

from servicekit import observability
from servicekit.errors import AppError, BadRequest, Conflict, NotFound, ServiceUnavailable, Unauthorized
from servicekit.observability import JsonFormatter, Observability


@pytest.fixture(autouse=True)
def no_call_id():
    observability._current.call_id = None
    observability._current.call_id_stack = None
    yield
    observability._current.call_id = None
    observability._current.call_id_stack = None


def record(msg, *args, level=logging.INFO, name="ledger.vouchers", exc_info=None, **extra):
    rec = logging.getLogger(name).makeRecord(name, level, __file__, 1, msg, args, exc_info, extra=extra or None)
    return rec


def formatted(rec, service="ledger"):
    line = JsonFormatter(service).format(rec)
    assert "\n" not in line  # one line per entry
    return line, json.loads(line)


# --------------------------------------------------------------------------- JsonFormatter

def test_json_line_fields():
    line, entry = formatted(record("voucher %s posted for %d", "记-0001", 3, level=logging.WARNING))
    assert set(entry) == {"ts", "level", "service", "logger", "msg"}
    assert entry["level"] == "warning"
    assert entry["service"] == "ledger"
    assert entry["logger"] == "ledger.vouchers"
    assert entry["msg"] == "voucher 记-0001 posted for 3"
    ts = datetime.fromisoformat(entry["ts"])
    assert ts.utcoffset().total_seconds() == 0
    assert entry["ts"].endswith("+00:00") and len(entry["ts"].split("T")[1]) == len("12:34:56.789+00:00")


def test_chinese_is_kept_unescaped():
    line, entry = formatted(record("凭证已过账：北京某某科技有限公司"))
    assert "凭证已过账：北京某某科技有限公司" in line
    assert "\\u" not in line
    assert entry["msg"] == "凭证已过账：北京某某科技有限公司"


def test_call_id_included_when_set():
    observability._current.call_id = "ledger.post_voucher.abc-123"
    observability._current.call_id_stack = ["gateway.create.1", "ledger.post_voucher.abc-123"]
    _, entry = formatted(record("hello"))
    assert entry["call_id"] == "ledger.post_voucher.abc-123"
    assert entry["call_id_stack"] == ["gateway.create.1", "ledger.post_voucher.abc-123"]
    observability._current.call_id = None
    _, entry = formatted(record("hello"))
    assert "call_id" not in entry and "call_id_stack" not in entry


def test_exception_included():
    try:
        raise ValueError("借贷不平 boom")
    except ValueError:
        rec = record("failed", level=logging.ERROR, exc_info=sys.exc_info())
    _, entry = formatted(rec)
    assert entry["level"] == "error"
    assert "Traceback" in entry["exc"]
    assert "ValueError: 借贷不平 boom" in entry["exc"]


def test_business_keys_from_extra_and_non_json_args():
    _, entry = formatted(record("event %s", uuid.UUID(int=1), event_id="e-1", event_type="voucher_posted",
                                agency_id="a-1", user_id="u-1", unrelated="ignored"))
    assert entry["msg"] == "event 00000000-0000-0000-0000-000000000001"
    assert {k: entry[k] for k in ("event_id", "event_type", "agency_id", "user_id")} == {
        "event_id": "e-1", "event_type": "voucher_posted", "agency_id": "a-1", "user_id": "u-1"}
    assert "unrelated" not in entry
    _, entry = formatted(record("x", agency_id=uuid.UUID(int=2)))  # default=str keeps it JSON
    assert entry["agency_id"] == "00000000-0000-0000-0000-000000000002"


# --------------------------------------------------------------------------- RED metrics

class FakeWorkerCtx:
    """The few attributes Observability reads from nameko's WorkerContext."""

    def __init__(self, method_name):
        self.entrypoint = types.SimpleNamespace(method_name=method_name)
        self.call_id = f"svc.{method_name}.{uuid.uuid4()}"
        self.call_id_stack = ["gateway.x.1", self.call_id]


@pytest.fixture
def obs():
    dependency = Observability(configure_logs=False)
    dependency.container = types.SimpleNamespace(service_name=f"svc_{uuid.uuid4().hex[:8]}")
    dependency.setup()  # configure_logs=False: must not touch logging
    return dependency


def calls(obs, entrypoint, outcome):
    return REGISTRY.get_sample_value("suanpan_entrypoint_calls_total", {
        "service": obs.container.service_name, "entrypoint": entrypoint, "outcome": outcome}) or 0.0


def latency_count(obs, entrypoint):
    return REGISTRY.get_sample_value("suanpan_entrypoint_duration_seconds_count", {
        "service": obs.container.service_name, "entrypoint": entrypoint}) or 0.0


def exc_info_of(exc):
    try:
        raise exc
    except BaseException:  # noqa: BLE001
        return sys.exc_info()


def run_worker(obs, method, exc=None):
    worker_ctx = FakeWorkerCtx(method)
    obs.worker_setup(worker_ctx)
    assert observability._current.call_id == worker_ctx.call_id
    assert observability._current.call_id_stack == worker_ctx.call_id_stack
    obs.worker_result(worker_ctx, result=None if exc else {"ok": True},
                      exc_info=exc_info_of(exc) if exc else None)
    obs.worker_teardown(worker_ctx)
    assert observability._current.call_id is None
    return worker_ctx


@pytest.mark.parametrize("exc, outcome", [
    (None, "ok"),
    (BadRequest(), "client_error"),
    (Unauthorized(code="BAD_PASSWORD"), "client_error"),
    (NotFound(), "client_error"),
    (Conflict(), "client_error"),
    (AppError(status=499), "client_error"),
    (AppError(), "error"),
    (ServiceUnavailable(), "error"),
    (BadRequest(status=500), "error"),
    (ValueError("bug"), "error"),
    (KeyError("bug"), "error"),
])
def test_worker_result_outcome(obs, exc, outcome):
    run_worker(obs, "post_voucher", exc)
    for candidate in ("ok", "client_error", "error"):
        assert calls(obs, "post_voucher", candidate) == (1.0 if candidate == outcome else 0.0)
    assert latency_count(obs, "post_voucher") == 1.0


def test_counters_add_up_per_entrypoint(obs):
    for _ in range(3):
        run_worker(obs, "login")
    run_worker(obs, "login", Unauthorized())
    run_worker(obs, "login", Unauthorized())
    run_worker(obs, "login", RuntimeError("db down"))
    run_worker(obs, "logout")
    assert calls(obs, "login", "ok") == 3.0
    assert calls(obs, "login", "client_error") == 2.0
    assert calls(obs, "login", "error") == 1.0
    assert calls(obs, "logout", "ok") == 1.0
    assert latency_count(obs, "login") == 6.0
    assert obs._started == {}  # nothing kept per worker


def test_result_without_setup_counts_but_observes_no_latency(obs):
    obs.worker_result(FakeWorkerCtx("odd"), exc_info=None)
    assert calls(obs, "odd", "ok") == 1.0
    assert latency_count(obs, "odd") == 0.0


def test_teardown_forgets_a_worker_without_result(obs):
    worker_ctx = FakeWorkerCtx("killed")
    obs.worker_setup(worker_ctx)
    obs.worker_teardown(worker_ctx)
    assert obs._started == {}
    assert observability._current.call_id is None


def test_refused_requests_are_logged_as_one_info_line_not_a_crash():
    import logging as _logging
    import sys as _sys

    from servicekit.errors import NotFound as _NotFound
    from servicekit.observability import ClientErrorsAreNotCrashes

    def record_for(error):
        try:
            raise error
        except Exception:  # noqa: BLE001
            info = _sys.exc_info()
        worker = type("Worker", (), {"call_id": "identity.get_user.1"})()
        return _logging.LogRecord("nameko.containers", _logging.ERROR, __file__, 1,
                                  "error handling worker %s: %s", (worker, error), info)

    refused = record_for(_NotFound(code="USER_NOT_FOUND"))
    assert ClientErrorsAreNotCrashes().filter(refused)
    assert refused.levelno == _logging.INFO and refused.exc_info is None
    assert "USER_NOT_FOUND" in refused.getMessage() and "identity.get_user.1" in refused.getMessage()
    crash = record_for(RuntimeError("boom"))
    assert ClientErrorsAreNotCrashes().filter(crash)
    assert crash.levelno == _logging.ERROR and crash.exc_info is not None
