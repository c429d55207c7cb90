from datetime import datetime, timedelta, timezone

import pytest

from servicekit.errors import Locked
from services.identity.domain.lockout import (
    LockoutPolicy,
    is_locked,
    lockout_key,
    raise_if_locked,
    register_failure,
    register_success,
)

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
MIN = timedelta(minutes=1)
POLICY = LockoutPolicy()


def fail(times, policy=POLICY):
    """Register failures at `times` one by one, as the service would; return the last state."""
    failures, locked_until, outcome = (), None, None
    for t in times:
        outcome = register_failure(failures, t, policy, locked_until=locked_until)
        failures, locked_until = outcome.failures, outcome.locked_until
    return outcome


def test_four_failures_do_not_lock():
    outcome = fail([T0 + i * MIN for i in range(4)])
    assert outcome.locked_until is None and not outcome.just_locked
    assert len(outcome.failures) == 4
    assert is_locked(outcome.failures, T0 + 4 * MIN, locked_until=outcome.locked_until) is None


def test_fifth_failure_locks_for_fifteen_minutes():
    outcome = fail([T0 + i * MIN for i in range(5)])
    assert outcome.just_locked
    assert outcome.locked_until == T0 + 4 * MIN + 15 * MIN
    assert outcome.failures == ()
    assert is_locked(outcome.failures, T0 + 5 * MIN, locked_until=outcome.locked_until) == outcome.locked_until


def test_sixth_attempt_is_refused_and_not_counted():
    locked = fail([T0 + i * MIN for i in range(5)])
    now = T0 + 6 * MIN
    with pytest.raises(Locked) as caught:
        raise_if_locked(locked.failures, now, locked_until=locked.locked_until)
    assert caught.value.code == "LOGIN_LOCKED"
    assert caught.value.details["retry_after_seconds"] == 13 * 60
    again = register_failure(locked.failures, now, locked_until=locked.locked_until)
    assert again.locked_until == locked.locked_until  # the lock is not extended
    assert not again.just_locked


def test_unlocks_after_the_duration():
    locked = fail([T0 + i * MIN for i in range(5)])
    end = locked.locked_until
    assert is_locked(locked.failures, end - timedelta(seconds=1), locked_until=end) == end
    assert is_locked(locked.failures, end, locked_until=end) is None
    raise_if_locked(locked.failures, end, locked_until=end)  # no error


def test_after_unlock_the_count_starts_again():
    locked = fail([T0 + i * MIN for i in range(5)])
    end = locked.locked_until
    outcome = register_failure(locked.failures, end + MIN, locked_until=end)
    assert outcome.locked_until == end and not outcome.just_locked
    assert is_locked(outcome.failures, end + MIN, locked_until=outcome.locked_until) is None
    assert len(outcome.failures) == 1


def test_window_slides_old_failures_drop_out():
    # 4 failures, then the 5th only after the first is older than 15 minutes.
    times = [T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 15 * MIN]
    outcome = fail(times)
    assert not outcome.just_locked
    assert outcome.failures == tuple(times[1:])
    # ... but one more inside the window of the remaining four locks.
    outcome = register_failure(outcome.failures, T0 + 15 * MIN + timedelta(seconds=30),
                               locked_until=outcome.locked_until)
    assert outcome.just_locked


def test_is_locked_from_failure_times_alone():
    # A caller that stores every failure and no lock end gets the same answer.
    times = [T0 + i * MIN for i in range(5)]
    assert is_locked(times, T0 + 10 * MIN) == T0 + 19 * MIN
    assert is_locked(times, T0 + 19 * MIN) is None
    # failures during the lock are ignored, they do not extend it
    assert is_locked(times + [T0 + 10 * MIN, T0 + 11 * MIN, T0 + 12 * MIN, T0 + 13 * MIN, T0 + 14 * MIN],
                     T0 + 20 * MIN) is None


def test_success_clears_everything():
    outcome = register_success()
    assert outcome.failures == () and outcome.locked_until is None


def test_policy_is_configurable():
    policy = LockoutPolicy(max_failures=3, window=timedelta(minutes=5), lock_duration=timedelta(hours=1))
    outcome = fail([T0, T0 + MIN, T0 + 2 * MIN], policy)
    assert outcome.locked_until == T0 + 2 * MIN + timedelta(hours=1)
    from_config = LockoutPolicy.from_config({"LOCKOUT_MAX_FAILURES": "3", "LOCKOUT_WINDOW_MINUTES": "5",
                                             "LOCKOUT_MINUTES": "60"})
    assert from_config == policy


def test_lockout_key_normalises_every_spelling_and_unknown_text():
    assert lockout_key(" Zhang@Example.COM ") == "zhang@example.com"
    assert lockout_key("+86 138-0013-8000") == lockout_key("13800138000") == "13800138000"
    # Neither email nor phone: still a key, so it locks like any other login.
    assert lockout_key("  SomeUser ") == "someuser"
