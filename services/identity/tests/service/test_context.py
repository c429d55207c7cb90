"""Context data the service cannot read. (A forged but well-formed context is
trusted by design: see the trust-boundary note in conftest.py.)"""
import pytest
from nameko.exceptions import RpcTimeout

from servicekit.errors import AppError, Unauthorized

from .conftest import anonymous_context, restart_identity

MALFORMED_AUTH = {
    "not-json": "{not json",
    "json-list": "[]",
    "missing-user_id": '{"agency_id": "00000000-0000-0000-0000-000000000001"}',
}

def _call_with_context(plat, rpc, context, method="me"):
    """Make the call; report what came back and whether the process survived.
    Always leaves a running identity behind for the other tests."""
    outcome = None
    try:
        try:
            outcome = rpc.identity(method, context=context, timeout=2)
        except RpcTimeout as exc:
            outcome = exc
        except Exception as exc:  # noqa: BLE001 - examined by the caller
            outcome = exc
        alive = plat.processes["identity"].poll() is None
        answering = alive and bool(rpc.identity("public_auth_state", timeout=5)["jwks"])
        return outcome, alive, answering
    finally:
        proc = plat.processes.get("identity")
        if proc is None or proc.poll() is not None:
            restart_identity(plat)


@pytest.mark.parametrize("raw", MALFORMED_AUTH.values(), ids=list(MALFORMED_AUTH))
def test_malformed_auth_context_is_an_error_and_the_service_keeps_answering(identity_platform, rpc, raw):
    """The context is read lazily inside the worker: a bad value fails the call with
    a 401, never the container (nameko injects dependencies outside its error handling,
    and the requeued message would crash every replica in turn)."""
    outcome, alive, answering = _call_with_context(identity_platform, rpc, anonymous_context(auth=raw))
    assert alive, f"the identity process exited (the call got {outcome!r})"
    assert not isinstance(outcome, RpcTimeout), "no reply"
    assert answering, "the service stopped answering after a malformed context"
    # a context nobody can read is no sign-in: a client error, never a 500
    assert isinstance(outcome, AppError), repr(outcome)
    assert 400 <= outcome.status < 500, outcome


def test_an_empty_auth_value_is_simply_not_signed_in(identity_platform, rpc):
    outcome, alive, answering = _call_with_context(identity_platform, rpc, anonymous_context(auth=""))
    assert isinstance(outcome, Unauthorized)
    assert alive and answering


def test_a_malformed_context_on_a_public_call_still_answers(identity_platform, rpc):
    """Public calls need no auth, but the context is parsed for every call."""
    outcome, alive, answering = _call_with_context(identity_platform, rpc, anonymous_context(client_ip=["not", "an ip"],
                                                                                      idempotency_key=None),
                                            method="public_auth_state")
    assert isinstance(outcome, dict) and outcome["jwks"]
    assert alive and answering
