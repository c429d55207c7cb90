from datetime import datetime, timedelta, timezone

import pytest

from services.identity.domain.sessions import (
    RefreshOutcome,
    RefreshTokenState,
    RefreshTokenStatus,
    SessionPolicy,
    decide_refresh,
    hash_refresh_token,
    new_refresh_token,
    new_session_deadlines,
    new_session_id,
)

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
MIN = timedelta(minutes=1)


def active(now=T0, policy=SessionPolicy()):
    idle, absolute = new_session_deadlines(now, policy)
    return RefreshTokenState(RefreshTokenStatus.ACTIVE, idle, absolute)


def test_refresh_token_is_random_and_only_its_hash_is_kept():
    token, token_hash = new_refresh_token()
    other, _ = new_refresh_token()
    assert token != other and len(token) >= 43
    assert token_hash == hash_refresh_token(token) and len(token_hash) == 64
    assert token not in token_hash


def test_session_ids_are_unique():
    assert new_session_id() != new_session_id()


def test_new_session_deadlines():
    assert new_session_deadlines(T0) == (T0 + 30 * MIN, T0 + timedelta(hours=12))
    short = SessionPolicy(idle_timeout=timedelta(hours=2), absolute_lifetime=timedelta(hours=1))
    assert new_session_deadlines(T0, short) == (T0 + timedelta(hours=1), T0 + timedelta(hours=1))


def test_active_token_rotates_and_slides_the_idle_deadline():
    decision = decide_refresh(active(), T0 + 20 * MIN)
    assert decision.outcome is RefreshOutcome.ROTATE and not decision.revoke_family
    assert decision.idle_deadline == T0 + 50 * MIN
    assert decision.absolute_expiry == T0 + timedelta(hours=12)
    assert decision.error() is None


def test_rotation_chain_keeps_a_busy_session_alive_until_the_absolute_expiry():
    state, now = active(), T0
    while True:
        now += 25 * MIN
        decision = decide_refresh(state, now)
        if decision.outcome is not RefreshOutcome.ROTATE:
            break
        assert decision.idle_deadline <= state.absolute_expiry
        state = RefreshTokenState(RefreshTokenStatus.ACTIVE, decision.idle_deadline, decision.absolute_expiry)
    assert decision.outcome is RefreshOutcome.EXPIRED and decision.reason == "absolute_lifetime"
    assert now >= T0 + timedelta(hours=12)


def test_reuse_of_a_rotated_token_revokes_the_family():
    state = RefreshTokenState(RefreshTokenStatus.ROTATED, T0 + 30 * MIN, T0 + timedelta(hours=12))
    decision = decide_refresh(state, T0 + 5 * MIN)
    assert decision.outcome is RefreshOutcome.REUSE_DETECTED and decision.revoke_family
    assert decision.error().code == "REFRESH_TOKEN_REUSED" and decision.error().status == 401


def test_reuse_is_detected_even_after_expiry():
    state = RefreshTokenState("rotated", T0 + 30 * MIN, T0 + timedelta(hours=12))
    assert decide_refresh(state, T0 + timedelta(days=2)).revoke_family


def test_revoked_token_is_refused():
    state = RefreshTokenState("revoked", T0 + 30 * MIN, T0 + timedelta(hours=12))
    decision = decide_refresh(state, T0 + MIN)
    assert decision.outcome is RefreshOutcome.REVOKED and not decision.revoke_family
    assert decision.error().code == "SESSION_REVOKED"


def test_idle_timeout():
    decision = decide_refresh(active(), T0 + 30 * MIN)
    assert decision.outcome is RefreshOutcome.EXPIRED and decision.reason == "idle_timeout"
    assert decision.error().code == "SESSION_EXPIRED"


def test_absolute_expiry_wins_over_a_later_idle_deadline():
    state = RefreshTokenState("active", T0 + timedelta(hours=13), T0 + timedelta(hours=12))
    decision = decide_refresh(state, T0 + timedelta(hours=12))
    assert decision.outcome is RefreshOutcome.EXPIRED and decision.reason == "absolute_lifetime"


def test_idle_deadline_never_passes_the_absolute_expiry():
    state = active()
    decision = decide_refresh(state, T0 + timedelta(hours=11, minutes=50))
    assert decision.outcome is RefreshOutcome.EXPIRED  # idle deadline long gone
    state = RefreshTokenState("active", T0 + timedelta(hours=12), T0 + timedelta(hours=12))
    decision = decide_refresh(state, T0 + timedelta(hours=11, minutes=50))
    assert decision.idle_deadline == T0 + timedelta(hours=12)


def test_unknown_token():
    decision = decide_refresh(None, T0)
    assert decision.outcome is RefreshOutcome.UNKNOWN
    assert decision.error().code == "TOKEN_INVALID"


def test_configurable_policy():
    policy = SessionPolicy.from_config({"SESSION_IDLE_MINUTES": "10", "SESSION_MAX_HOURS": "1"})
    assert policy == SessionPolicy(timedelta(minutes=10), timedelta(hours=1))
    assert decide_refresh(active(policy=policy), T0 + 10 * MIN, policy).reason == "idle_timeout"


def test_unknown_status_is_a_programming_error():
    with pytest.raises(ValueError):
        decide_refresh(RefreshTokenState("stolen", T0, T0), T0)
