"""Locking a login after repeated failures.

After `max_failures` failed attempts within `window`, the login is locked for
`lock_duration`. Attempts made while locked are refused without checking the
password and are not counted, so an attacker cannot stretch a lock forever and
a locked account gives no password oracle.

The state is kept per *normalised login string* (see `lockout_key`), not per
user: an unknown login collects failures and locks exactly like a known one, so
neither the answers nor the lock reveal whether an account exists.

Everything here is pure: the caller loads the failures and the lock end for the
key, calls `is_locked` / `register_failure`, and stores what comes back.
"""
from dataclasses import dataclass
from datetime import timedelta

from servicekit.errors import Locked, ValidationFailed

from .notify import classify_login


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_duration: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config):
        """Build from settings (LOCKOUT_MAX_FAILURES, LOCKOUT_WINDOW_MINUTES, LOCKOUT_MINUTES)."""
        return cls(
            max_failures=int(config.get("LOCKOUT_MAX_FAILURES", 5)),
            window=timedelta(minutes=float(config.get("LOCKOUT_WINDOW_MINUTES", 15))),
            lock_duration=timedelta(minutes=float(config.get("LOCKOUT_MINUTES", 15))),
        )


DEFAULT_LOCKOUT_POLICY = LockoutPolicy()


@dataclass(frozen=True)
class FailureOutcome:
    failures: tuple  # the failure times to store for the key (pruned; empty after a lock)
    locked_until: object  # datetime or None: the lock end to store for the key
    just_locked: bool  # this failure started a lock (audit it, maybe notify the user)


def lockout_key(login):
    """The string failures are counted under: the normalised email or phone,
    or the trimmed, case-folded text when it is neither (still counted, never
    looked up), so every spelling of one login shares one counter."""
    try:
        return classify_login(login)[1]
    except ValidationFailed:
        return (login or "").strip().casefold()


def is_locked(failures, now, policy=DEFAULT_LOCKOUT_POLICY, *, locked_until=None):
    """The end of the lock in force at `now`, or None.

    `locked_until` is the lock end stored by the last `register_failure` (if any).
    The failures are also replayed on their own, so a caller that stores only
    failure times gets the same answer.
    """
    lock_end = _replay(failures, policy, previous_lock_end=locked_until)
    if lock_end is not None and now < lock_end:
        return lock_end
    return None


def register_failure(failures, now, policy=DEFAULT_LOCKOUT_POLICY, *, locked_until=None):
    """Record a failed attempt at `now`; return what to store and whether it locked.

    During a lock nothing changes (the attempt is not counted). Otherwise the
    failures that still matter (inside the window, after the last lock) plus this
    one are kept; reaching `max_failures` starts a lock and clears them, so the
    user gets a fresh count once the lock ends.
    """
    current_lock = is_locked(failures, now, policy, locked_until=locked_until)
    if current_lock is not None:
        return FailureOutcome(tuple(sorted(failures)), current_lock, False)
    last_lock_end = _replay(failures, policy, previous_lock_end=locked_until)
    recent = [
        t for t in failures
        if t > now - policy.window and (last_lock_end is None or t >= last_lock_end)
    ]
    recent.append(now)
    if len(recent) >= policy.max_failures:
        return FailureOutcome((), now + policy.lock_duration, True)
    return FailureOutcome(tuple(sorted(recent)), last_lock_end, False)


def register_success():
    """What to store after a successful login: no failures, no lock."""
    return FailureOutcome((), None, False)


def raise_if_locked(failures, now, policy=DEFAULT_LOCKOUT_POLICY, *, locked_until=None):
    """Raise Locked(code="LOGIN_LOCKED") with the seconds to wait, if locked."""
    lock_end = is_locked(failures, now, policy, locked_until=locked_until)
    if lock_end is not None:
        seconds = max(1, int((lock_end - now).total_seconds() + 0.999))
        minutes = max(1, (seconds + 59) // 60)
        raise Locked(
            code="LOGIN_LOCKED",
            message=f"登录失败次数过多，账号已锁定，请{minutes}分钟后再试",
            message_en=f"Too many failed attempts; try again in {minutes} minute(s)",
            details={"locked_until": lock_end.isoformat(), "retry_after_seconds": seconds},
        )


def _replay(failures, policy, previous_lock_end=None):
    """Walk the failures in time order and return the end of the latest lock they
    (or `previous_lock_end`) caused, or None. Failures during a lock are skipped
    and a lock consumes the failures that caused it."""
    lock_end = previous_lock_end
    counted = []
    for t in sorted(failures):
        if lock_end is not None and t < lock_end:
            continue  # during a lock, or before the one already recorded
        counted = [c for c in counted if c > t - policy.window]
        counted.append(t)
        if len(counted) >= policy.max_failures:
            lock_end = t + policy.lock_duration
            counted = []
    return lock_end
