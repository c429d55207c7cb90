"""Every edge of the contract, feedback and client-status state machines, allowed and refused."""
from datetime import date

import pytest

from servicekit.errors import Conflict, ValidationFailed
from services.clients.domain import contracts, feedback, status

ALLOWED = {
    ("draft", "edit"): "draft",
    ("draft", "activate"): "active",
    ("draft", "terminate"): "terminated",
    ("active", "amend"): "amended",
    ("amended", "amend"): "amended",
    ("active", "terminate"): "terminated",
    ("amended", "terminate"): "terminated",
}
EVERY_PAIR = [(s, a) for s in contracts.STATUSES for a in contracts.ACTIONS]


@pytest.mark.parametrize("state,action", EVERY_PAIR, ids=[f"{s}-{a}" for s, a in EVERY_PAIR])
def test_every_contract_edge(state, action):
    if (state, action) in ALLOWED:
        assert contracts.next_status(state, action) == ALLOWED[(state, action)]
    else:
        with pytest.raises(Conflict) as err:
            contracts.next_status(state, action)
        assert err.value.code == "CONTRACT_TRANSITION_INVALID"
        assert err.value.status == 409
        assert err.value.details["status"] == state and err.value.details["action"] == action
        assert set(err.value.details["allowed"]) == {a for (s, a) in ALLOWED if s == state}


def test_terminated_is_final_and_amended_is_in_force():
    assert not [a for (s, a) in contracts.TRANSITIONS if s == "terminated"]
    assert contracts.IN_FORCE == {"active", "amended"}


def test_terms_and_termination_dates():
    contracts.check_terms({"start_date": date(2026, 1, 1), "end_date": date(2026, 12, 31), "services": ["payroll"]})
    with pytest.raises(ValidationFailed) as err:
        contracts.check_terms({"start_date": date(2026, 2, 1), "end_date": date(2026, 1, 31)})
    assert "end_date" in err.value.details["fields"]
    with pytest.raises(ValidationFailed):
        contracts.check_terms({"services": ["payroll", "payroll"]})
    with pytest.raises(ValidationFailed):
        contracts.check_terms({"services": []})
    with pytest.raises(ValidationFailed):
        contracts.check_termination(date(2026, 1, 1), date(2025, 12, 31), "active")
    assert contracts.check_termination(date(2026, 1, 1), date(2025, 12, 31), "draft") == date(2025, 12, 31)


def test_expiring_window_includes_both_ends_and_only_contracts_in_force():
    window = contracts.Window.expiring(date(2026, 11, 28), 30)
    assert window.contains("active", date(2026, 11, 28))
    assert window.contains("amended", date(2026, 12, 28))
    assert not window.contains("active", date(2026, 12, 29))
    assert not window.contains("active", date(2026, 11, 27))
    assert not window.contains("draft", date(2026, 12, 1))
    assert not window.contains("terminated", date(2026, 12, 1))


@pytest.mark.parametrize("state", ["open", "handled", "closed"])
@pytest.mark.parametrize("action", ["handle", "close"])
def test_every_feedback_edge(state, action):
    allowed = {("open", "handle"): "handled", ("handled", "close"): "closed"}
    if (state, action) in allowed:
        assert feedback.next_status(state, action) == allowed[(state, action)]
    else:
        with pytest.raises(Conflict) as err:
            feedback.next_status(state, action)
        assert err.value.code == "FEEDBACK_TRANSITION_INVALID"


@pytest.mark.parametrize("score", [0, 6, -1, 3.5, True, "5", None])
def test_satisfaction_is_a_whole_number_from_1_to_5(score):
    with pytest.raises(ValidationFailed):
        feedback.check_satisfaction(score)


def test_satisfaction_accepts_1_to_5():
    assert [feedback.check_satisfaction(n) for n in range(1, 6)] == [1, 2, 3, 4, 5]


STATUSES = ["active", "paused", "terminated"]


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_every_client_status_edge(current, target):
    allowed = {("active", "paused"), ("active", "terminated"), ("paused", "active"), ("paused", "terminated"),
               ("terminated", "active")}
    if (current, target) in allowed:
        assert status.check_status_change(current, target, "客户要求") == target
    else:
        with pytest.raises(Conflict) as err:
            status.check_status_change(current, target, "x")
        assert err.value.code in ("STATUS_UNCHANGED", "STATUS_TRANSITION_INVALID")


@pytest.mark.parametrize("target", ["paused", "terminated"])
def test_pausing_and_terminating_need_a_reason(target):
    with pytest.raises(ValidationFailed) as err:
        status.check_status_change("active", target, "  ")
    assert "reason" in err.value.details["fields"]
