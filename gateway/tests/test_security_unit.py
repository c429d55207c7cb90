"""gateway.security: per-IP rate limits and token verification from identity's keys."""
import time
import types

import nameko
import pytest

from gateway import security
from gateway.security import AuthState, RateLimiter
from servicekit.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from servicekit.tokens import (
    UnknownKeyError, issue_access_token, key_id, load_or_create_signing_key, public_jwks,
)

# --------------------------------------------------------------------------- RateLimiter


class FakeClock:
    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Frozen time inside gateway.security only: a test must not straddle a minute."""
    fake = FakeClock(1_800_000_010.0)  # 10 s into a minute
    monkeypatch.setattr(security, "time", types.SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def limiter():
    lim = RateLimiter()
    lim.setup()
    with nameko.config.patch({"AUTH_RATE_LIMIT_PER_MINUTE": 3}):
        yield lim


def test_allows_the_limit_then_refuses(limiter, clock):
    for _ in range(3):
        limiter.hit("203.0.113.5", "auth")
    with pytest.raises(TooManyRequests) as info:
        limiter.hit("203.0.113.5", "auth")
    assert info.value.status == 429
    assert info.value.code == "RATE_LIMITED"
    assert info.value.details == {"retry_after_seconds": 50}
    # and keeps refusing for the rest of the minute
    clock.now += 45
    with pytest.raises(TooManyRequests) as info:
        limiter.hit("203.0.113.5", "auth")
    assert info.value.details == {"retry_after_seconds": 5}


def test_next_minute_starts_afresh(limiter, clock):
    for _ in range(3):
        limiter.hit("203.0.113.5", "auth")
    clock.now += 50  # the next fixed window
    for _ in range(3):
        limiter.hit("203.0.113.5", "auth")
    with pytest.raises(TooManyRequests):
        limiter.hit("203.0.113.5", "auth")


def test_ips_and_buckets_are_independent(limiter, clock):
    for _ in range(3):
        limiter.hit("203.0.113.5", "auth")
    with pytest.raises(TooManyRequests):
        limiter.hit("203.0.113.5", "auth")
    for _ in range(3):
        limiter.hit("203.0.113.6", "auth")     # another IP
        limiter.hit("203.0.113.5", "refresh")  # another bucket, same IP
    with pytest.raises(TooManyRequests):
        limiter.hit("203.0.113.6", "auth")
    with pytest.raises(TooManyRequests):
        limiter.hit("203.0.113.5", "refresh")


def test_limit_from_the_setting(clock, monkeypatch):
    lim = RateLimiter()
    lim.setup()
    monkeypatch.delenv("AUTH_RATE_LIMIT_PER_MINUTE", raising=False)
    with nameko.config.patch({"AUTH_RATE_LIMIT_PER_MINUTE": None}):
        for _ in range(30):  # the default
            lim.hit("198.51.100.1", "auth")
        with pytest.raises(TooManyRequests):
            lim.hit("198.51.100.1", "auth")
    monkeypatch.setenv("AUTH_RATE_LIMIT_PER_MINUTE", "1")
    with nameko.config.patch({"AUTH_RATE_LIMIT_PER_MINUTE": None}):
        lim.hit("198.51.100.2", "auth")
        with pytest.raises(TooManyRequests):
            lim.hit("198.51.100.2", "auth")


def test_memory_stays_bounded(limiter, clock):
    limiter._windows = {(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "auth"): (0, 1) for i in range(100_001)}
    limiter.hit("203.0.113.5", "auth")
    assert list(limiter._windows) == [("203.0.113.5", "auth")]


# --------------------------------------------------------------------------- AuthState

@pytest.fixture(scope="module")
def signing_key(tmp_path_factory):
    return load_or_create_signing_key(tmp_path_factory.mktemp("keys") / "signing.pem")


@pytest.fixture(scope="module")
def other_key(tmp_path_factory):
    return load_or_create_signing_key(tmp_path_factory.mktemp("other") / "signing.pem")


def token_for(key, session_id="s-1", roles=("accountant",), **kw):
    token, _ = issue_access_token(key, key_id(key), user_id=kw.pop("user_id", "u-1"),
                                  agency_id=kw.pop("agency_id", "a-1"), roles=roles, session_id=session_id,
                                  now=time.time(), **kw)
    return token


def identity_state(*keys, revoked=()):
    return {"jwks": public_jwks(keys), "revoked_sessions": list(revoked), "access_token_ttl": 900}


@pytest.fixture
def auth_state(signing_key):
    state = AuthState()
    state.setup()
    state.sync(state=identity_state(signing_key, revoked=["s-revoked"]))
    return state


def test_valid_token_gives_claims(auth_state, signing_key):
    claims = auth_state.verify(token_for(signing_key, session_id="s-1", roles=("admin", "supervisor"),
                                         client_id="c-9", agency_id="a-42", user_id="u-7"))
    assert claims["sub"] == "u-7"
    assert claims["agency"] == "a-42"
    assert claims["roles"] == ["admin", "supervisor"]
    assert claims["sid"] == "s-1"
    assert claims["client_id"] == "c-9"


def test_revoked_session_is_refused(auth_state, signing_key):
    with pytest.raises(Unauthorized) as info:
        auth_state.verify(token_for(signing_key, session_id="s-revoked"))
    assert info.value.code == "SESSION_REVOKED"
    assert info.value.status == 401


def test_mark_revoked(auth_state, signing_key):
    token = token_for(signing_key, session_id="s-live")
    assert auth_state.verify(token)["sid"] == "s-live"  # also cached by the verifier now
    auth_state.mark_revoked(["s-live", "s-other"])
    with pytest.raises(Unauthorized) as info:
        auth_state.verify(token)
    assert info.value.code == "SESSION_REVOKED"
    assert auth_state.verify(token_for(signing_key, session_id="s-unrelated"))["sid"] == "s-unrelated"


def test_event_revocations_survive_a_resync(auth_state, signing_key):
    auth_state.mark_revoked(["s-from-event"])
    # identity's list is a moment older and does not name it yet
    auth_state.sync(state=identity_state(signing_key, revoked=[]))
    with pytest.raises(Unauthorized) as info:
        auth_state.verify(token_for(signing_key, session_id="s-from-event"))
    assert info.value.code == "SESSION_REVOKED"
    # a revocation is never undone by a sync: entries only expire with the token lifetime
    with pytest.raises(Unauthorized):
        auth_state.verify(token_for(signing_key, session_id="s-revoked"))


def test_expired_revocation_entries_are_dropped_on_sync(auth_state, signing_key):
    auth_state.mark_revoked(["s-old"], ttl_seconds=-1)
    auth_state.sync(state=identity_state(signing_key))
    assert "s-old" not in auth_state._revoked


def test_token_from_another_key_is_refused(auth_state, other_key, monkeypatch):
    fetches = []
    # identity does not know that key either; and a refetch right after a sync is skipped anyway
    monkeypatch.setattr(auth_state, "_fetch", lambda: fetches.append(1) or identity_state(other_key))
    with pytest.raises(Unauthorized) as info:
        auth_state.verify(token_for(other_key))
    assert isinstance(info.value, UnknownKeyError)
    assert info.value.code == "TOKEN_INVALID"
    assert fetches == []


def test_forged_and_garbage_tokens_are_refused(auth_state, signing_key):
    good = token_for(signing_key)
    header, payload, signature = good.split(".")
    forged = ".".join([header, payload, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")])
    for token in (forged, "not-a-token", "a.b.c", ""):
        with pytest.raises(Unauthorized) as info:
            auth_state.verify(token)
        assert info.value.code == "TOKEN_INVALID"


def test_unknown_key_refetches_once_identity_rotated(auth_state, signing_key, other_key, monkeypatch):
    fetches = []

    def fetch():
        fetches.append(1)
        return identity_state(other_key, signing_key)  # identity rotated to a new key

    monkeypatch.setattr(auth_state, "_fetch", fetch)
    auth_state._last_fetch -= AuthState.KEY_REFETCH_MIN_SECONDS + 1
    claims = auth_state.verify(token_for(other_key, session_id="s-new"))
    assert claims["sid"] == "s-new"
    assert fetches == [1]
    assert auth_state.verify(token_for(signing_key))["sid"] == "s-1"  # the old key still verifies


def test_rotation_refetch_failure_keeps_the_old_keys(auth_state, signing_key, other_key, monkeypatch):
    def fetch():
        raise ConnectionError("identity is down")

    monkeypatch.setattr(auth_state, "_fetch", fetch)
    auth_state._last_fetch -= AuthState.KEY_REFETCH_MIN_SECONDS + 1
    with pytest.raises(Unauthorized):
        auth_state.verify(token_for(other_key))
    assert auth_state.verify(token_for(signing_key))["sid"] == "s-1"


def test_loads_from_identity_on_first_use(signing_key, monkeypatch):
    state = AuthState()
    state.setup()
    fetches = []
    monkeypatch.setattr(state, "_fetch", lambda: fetches.append(1) or identity_state(signing_key, revoked=["s-x"]))
    assert state.verify(token_for(signing_key))["sid"] == "s-1"
    assert state.verify(token_for(signing_key, session_id="s-2"))["sid"] == "s-2"
    assert fetches == [1]
    with pytest.raises(Unauthorized) as info:
        state.verify(token_for(signing_key, session_id="s-x"))
    assert info.value.code == "SESSION_REVOKED"


def test_no_keys_and_identity_unreachable_is_503(signing_key, monkeypatch):
    state = AuthState()
    state.setup()

    def fetch():
        raise ConnectionRefusedError("amqp://127.0.0.1:5672 refused")

    monkeypatch.setattr(state, "_fetch", fetch)
    with pytest.raises(ServiceUnavailable) as info:
        state.verify(token_for(signing_key))
    assert info.value.code == "AUTH_UNAVAILABLE"
    assert info.value.status == 503
    assert "amqp" not in str(info.value.to_dict())
    # once identity answers, the same token works
    monkeypatch.setattr(state, "_fetch", lambda: identity_state(signing_key))
    assert state.verify(token_for(signing_key))["sid"] == "s-1"
