"""servicekit.rpc against the real broker: unconfirmed requests and replies still
carry results and errors; a call whose caller gives up (its deadline) is forgotten
by the reply listener; a call to a service that was never started ends at the
deadline instead of hanging."""
import json

from kombu import Connection, Queue

ROUND_TRIP = r"""
import eventlet
eventlet.monkey_patch()
import json, sys, time
from nameko import config
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_hook
from servicekit.errors import Conflict
from servicekit.rpc import UnconfirmedServiceRpc, rpc

SERVICE, AMQP = sys.argv[1:3]
config.setup({"AMQP_URI": AMQP})


class Echo:
    name = SERVICE

    @rpc
    def echo(self, payload):
        return payload

    @rpc
    def refuse(self):
        raise Conflict(code="VOUCHER_POSTED", message="已记账", message_en="posted")

    @rpc
    def unserializable(self):
        return {"when": object()}

    @rpc
    def slow(self):
        eventlet.sleep(1.0)
        return "late"


class Caller:
    name = SERVICE + "_caller"
    echo_rpc = UnconfirmedServiceRpc(SERVICE)
    nobody_rpc = UnconfirmedServiceRpc(SERVICE + "_never_started")

    @rpc
    def call(self, target, method, args, deadline):
        client = self.echo_rpc if target == "echo" else self.nobody_rpc
        try:
            with eventlet.Timeout(deadline):
                return {"result": getattr(client, method).call_async(*args).result()}
        except eventlet.Timeout:
            return {"timeout": True}
        except Exception as exc:
            return {"error": type(exc).__name__, "code": getattr(exc, "code", None)}


echo = ServiceContainer(Echo)
caller = ServiceContainer(Caller)
echo.start()
caller.start()
report = {}
try:
    listener = next(ext for ext in caller.extensions if type(ext).__name__ == "AutoAckReplyListener")
    with entrypoint_hook(caller, "call") as call:
        payload = {"lines": [{"account": "1002", "debit": "12.30"}], "中文": "摘要"}
        report["echo"] = call("echo", "echo", [payload], 5) == {"result": payload}
        report["refused"] = call("echo", "refuse", [], 5)
        report["unserializable"] = call("echo", "unserializable", [], 5)
        report["slow"] = call("echo", "slow", [], 0.2)
        report["pending_after_timeout"] = len(listener.pending)
        started = time.monotonic()
        report["nobody"] = call("nobody", "anything", [], 0.5)
        report["nobody_seconds"] = round(time.monotonic() - started, 2)
        report["pending_at_end"] = len(listener.pending)
finally:
    caller.stop()
    echo.stop()
print(json.dumps(report))
"""


def test_unconfirmed_rpc_round_trip_errors_deadlines_and_no_leftover_calls(amqp_uri, service_name, run_python):
    script = ROUND_TRIP.replace("sys.argv[1:3]", repr([service_name, amqp_uri]))
    try:
        result = run_python(script)
    finally:
        with Connection(amqp_uri) as conn:
            Queue(f"rpc-{service_name}")(conn.default_channel).delete()
            Queue(f"rpc-{service_name}_caller")(conn.default_channel).delete()
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["echo"] is True
    assert report["refused"] == {"error": "Conflict", "code": "VOUCHER_POSTED"}  # AppError crosses as itself
    assert report["unserializable"] == {"error": "RemoteError", "code": None}  # an error reply, not silence
    assert report["slow"] == {"timeout": True}
    assert report["pending_after_timeout"] == 0  # the abandoned call is not kept
    assert report["nobody"] == {"timeout": True}  # no UnknownService without confirms: the deadline ends it
    assert 0.4 <= report["nobody_seconds"] < 3
    assert report["pending_at_end"] == 0
