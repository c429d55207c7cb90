"""Refresh tokens and the rules for rotating them (identity's own; the access-token
format both identity and the gateway use is servicekit/tokens.py).

Refresh tokens are opaque random strings; only their sha256 is stored. Each
refresh rotates the token; presenting a token that was already rotated means a
copy is in someone else's hands, so the whole session (token family) is revoked.
"""
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from servicekit.errors import Unauthorized
from servicekit.tokens import token_invalid

# --------------------------------------------------------------------------- refresh tokens and sessions

REFRESH_TOKEN_BYTES = 32


def new_refresh_token():
    """(token for the client, sha256 hex to store). The token itself is never stored."""
    token = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    return token, hash_refresh_token(token)


def hash_refresh_token(token):
    # A plain hash is enough: the token has 256 random bits, nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session_id():
    """Id of a login session, shared by every refresh token rotated from it (the
    token family) and carried in access tokens as `sid`."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)  # no refresh for this long ends the session
    absolute_lifetime: timedelta = timedelta(hours=12)  # one sign-in lasts at most this long

    @classmethod
    def from_config(cls, config):
        """Build from settings (SESSION_IDLE_MINUTES, SESSION_MAX_HOURS)."""
        return cls(
            idle_timeout=timedelta(minutes=float(config.get("SESSION_IDLE_MINUTES", 30))),
            absolute_lifetime=timedelta(hours=float(config.get("SESSION_MAX_HOURS", 12))),
        )


DEFAULT_SESSION_POLICY = SessionPolicy()


def new_session_deadlines(now, policy=DEFAULT_SESSION_POLICY):
    """(idle_deadline, absolute_expiry) for a session starting at `now`."""
    absolute_expiry = now + policy.absolute_lifetime
    return min(now + policy.idle_timeout, absolute_expiry), absolute_expiry


class RefreshTokenStatus(str, Enum):
    ACTIVE = "active"  # the newest token of its family
    ROTATED = "rotated"  # already exchanged for a newer one
    REVOKED = "revoked"  # logged out, or the family was revoked


@dataclass(frozen=True)
class RefreshTokenState:
    """What is stored for one refresh token (looked up by its hash)."""
    status: RefreshTokenStatus
    idle_deadline: datetime
    absolute_expiry: datetime


class RefreshOutcome(str, Enum):
    ROTATE = "rotate"  # mark this token rotated, issue a new one in the family
    REUSE_DETECTED = "reuse_detected"  # revoke the whole family (session)
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # no such token


@dataclass(frozen=True)
class RefreshDecision:
    outcome: RefreshOutcome
    reason: str = ""  # for logs: "idle_timeout", "absolute_lifetime" ...
    idle_deadline: datetime = None  # for ROTATE: the new token's idle deadline
    absolute_expiry: datetime = None  # for ROTATE: unchanged from the session

    @property
    def revoke_family(self):
        return self.outcome is RefreshOutcome.REUSE_DETECTED

    def error(self):
        """The Unauthorized to raise for any outcome but ROTATE (None for ROTATE)."""
        if self.outcome is RefreshOutcome.ROTATE:
            return None
        if self.outcome is RefreshOutcome.EXPIRED:
            return Unauthorized(code="SESSION_EXPIRED", message="会话已过期，请重新登录",
                                message_en="The session has expired, please sign in again",
                                details={"reason": self.reason})
        if self.outcome is RefreshOutcome.REUSE_DETECTED:
            return Unauthorized(code="REFRESH_TOKEN_REUSED",
                                message="刷新令牌已被使用过，为安全起见已退出该会话，请重新登录",
                                message_en="This refresh token was already used; the session was ended "
                                           "for safety, please sign in again")
        if self.outcome is RefreshOutcome.REVOKED:
            return Unauthorized(code="SESSION_REVOKED", message="会话已失效，请重新登录",
                                message_en="The session was ended, please sign in again")
        return token_invalid("unknown_refresh_token")


def decide_refresh(state, now, policy=DEFAULT_SESSION_POLICY):
    """What to do with a presented refresh token whose stored record is `state`
    (None if no record matches its hash).

    Reuse is checked first: a rotated token coming back is a theft signal even
    when the session has expired meanwhile, and revoking a dead family is harmless.
    """
    if state is None:
        return RefreshDecision(RefreshOutcome.UNKNOWN, "unknown")
    status = RefreshTokenStatus(state.status)
    if status is RefreshTokenStatus.ROTATED:
        return RefreshDecision(RefreshOutcome.REUSE_DETECTED, "rotated_token_presented")
    if status is RefreshTokenStatus.REVOKED:
        return RefreshDecision(RefreshOutcome.REVOKED, "revoked")
    if now >= state.absolute_expiry:
        return RefreshDecision(RefreshOutcome.EXPIRED, "absolute_lifetime")
    if now >= state.idle_deadline:
        return RefreshDecision(RefreshOutcome.EXPIRED, "idle_timeout")
    return RefreshDecision(
        RefreshOutcome.ROTATE,
        "ok",
        idle_deadline=min(now + policy.idle_timeout, state.absolute_expiry),
        absolute_expiry=state.absolute_expiry,
    )
