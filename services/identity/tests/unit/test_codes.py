from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from servicekit.errors import Gone, TooManyRequests, ValidationFailed
from services.identity.domain.codes import (
    CodeOutcome,
    CodePolicy,
    CodeState,
    check_code,
    hash_code,
    issue_code,
    new_code,
    seconds_until_resend,
)

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
PEPPER = b"test-pepper"


@pytest.fixture
def issued():
    return issue_code(NOW, pepper=PEPPER)


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_new_code_is_six_digits():
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190  # random, not a counter


def test_stored_state_has_no_plain_code(issued):
    code, state = issued
    assert code not in state.code_hash
    assert state.expires_at == NOW + timedelta(minutes=10)
    assert state.code_hash == hash_code(code, state.salt, PEPPER)
    assert state.code_hash != hash_code(code, state.salt, b"another pepper")


def test_right_code_is_ok(issued):
    code, state = issued
    result = check_code(state, code, NOW + timedelta(minutes=9), pepper=PEPPER)
    assert result.ok and result.outcome is CodeOutcome.OK
    assert result.error() is None


def test_wrong_code_uses_a_try(issued):
    code, state = issued
    result = check_code(state, wrong(code), NOW, pepper=PEPPER)
    assert result.outcome is CodeOutcome.WRONG
    assert (result.tries_used, result.tries_left) == (1, 4)
    error = result.error()
    assert isinstance(error, ValidationFailed) and error.code == "CODE_WRONG"
    assert error.details["tries_left"] == 4


def test_five_wrong_tries_exhaust_the_code(issued):
    code, state = issued
    for expected_left in (4, 3, 2, 1, 0):
        result = check_code(state, wrong(code), NOW, pepper=PEPPER)
        assert result.outcome is CodeOutcome.WRONG and result.tries_left == expected_left
        state = replace(state, tries_used=result.tries_used)
    result = check_code(state, code, NOW, pepper=PEPPER)  # even the right code now
    assert result.outcome is CodeOutcome.EXHAUSTED
    assert isinstance(result.error(), TooManyRequests)


def test_expired_after_ten_minutes(issued):
    code, state = issued
    result = check_code(state, code, NOW + timedelta(minutes=10), pepper=PEPPER)
    assert result.outcome is CodeOutcome.EXPIRED
    assert isinstance(result.error(), Gone) and result.error().code == "CODE_EXPIRED"


def test_used_code_is_no_longer_valid(issued):
    code, state = issued
    assert check_code(replace(state, used=True), code, NOW, pepper=PEPPER).outcome is CodeOutcome.EXPIRED


@pytest.mark.parametrize("presented", ["", None, "12345", "abcdef", "1234567"])
def test_malformed_code_is_wrong_and_counts(issued, presented):
    _, state = issued
    result = check_code(state, presented, NOW, pepper=PEPPER)
    assert result.outcome is CodeOutcome.WRONG and result.tries_used == 1


def test_wrong_pepper_is_wrong(issued):
    code, state = issued
    assert check_code(state, code, NOW, pepper=b"other").outcome is CodeOutcome.WRONG


def test_configurable_policy():
    policy = CodePolicy.from_config({"CODE_TTL_MINUTES": "5", "CODE_MAX_TRIES": "3"})
    code, state = issue_code(NOW, policy)
    assert state.expires_at == NOW + timedelta(minutes=5)
    state = CodeState(state.code_hash, state.salt, state.expires_at, tries_used=3)
    assert check_code(state, code, NOW, policy).outcome is CodeOutcome.EXHAUSTED


def test_resend_interval():
    assert seconds_until_resend(None, NOW) == 0
    assert seconds_until_resend(NOW, NOW + timedelta(seconds=20)) == 40
    assert seconds_until_resend(NOW, NOW + timedelta(seconds=60)) == 0
