"""Assigning staff asks identity whether the user exists and holds the role. When
identity is down that is a prompt 503, not a hang, and nothing is assigned; every
call that does not need identity keeps working. (Runs last: it stops identity.)"""
import time

import pytest

from servicekit.errors import ServiceUnavailable

from .conftest import AMQP


def test_identity_down_is_a_503_for_assignments_only(rpc, clients_platform, agency_a, create):
    client = create(agency_a.admin)
    ctx = agency_a.admin.context()
    clients_platform.stop("identity")
    try:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as err:
            rpc.clients("assign", client["id"], "accountant", {"user_id": agency_a.accountant.id}, context=ctx)
        waited = time.monotonic() - started
        assert err.value.status == 503 and err.value.details == {"service": "identity"}
        assert waited < 10, waited  # IDENTITY_RPC_TIMEOUT_SECONDS is 3 here
        assert rpc.clients("list_assignments", client["id"], context=ctx)["assignments"]["accountant"] is None
        assert rpc.clients("get_client", client["id"], context=ctx)["id"] == client["id"]
    finally:
        from kombu import Connection, Queue

        with Connection(AMQP) as conn:  # the expired request must not run when identity returns
            try:
                Queue("rpc-identity", channel=conn.channel()).purge()
            except Exception:  # noqa: BLE001 - no queue, nothing to purge
                pass
        clients_platform.start("identity")
        clients_platform.wait_ready("identity", timeout=60)
    done = rpc.clients("assign", client["id"], "accountant", {"user_id": agency_a.accountant.id}, context=ctx)
    assert done["assignments"]["accountant"]["user_id"] == agency_a.accountant.id
