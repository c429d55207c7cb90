"""One-time verification codes sent by email or SMS (registration, password reset).

A code is 6 random digits, valid for 10 minutes and for at most 5 guesses. Only
an HMAC of it is stored: with a random salt per code and, when configured, a
server-side pepper (kept out of the database), a copy of the table does not
give the codes away - a bare hash of 6 digits would fall to a million guesses.
"""
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from servicekit.errors import Gone, TooManyRequests, ValidationFailed

CODE_DIGITS = 6
# HMAC key when no pepper is configured (local runs): then the salt alone
# protects the code, like a salted sha256. Configure VERIFICATION_CODE_PEPPER
# in production.
_NO_PEPPER = b"suanpan-verification-code"


@dataclass(frozen=True)
class CodePolicy:
    ttl: timedelta = timedelta(minutes=10)
    max_tries: int = 5
    resend_interval: timedelta = timedelta(seconds=60)  # between two sends to one address

    @classmethod
    def from_config(cls, config):
        """Build from settings (CODE_TTL_MINUTES, CODE_MAX_TRIES, CODE_RESEND_SECONDS)."""
        return cls(
            ttl=timedelta(minutes=float(config.get("CODE_TTL_MINUTES", 10))),
            max_tries=int(config.get("CODE_MAX_TRIES", 5)),
            resend_interval=timedelta(seconds=float(config.get("CODE_RESEND_SECONDS", 60))),
        )

    @property
    def ttl_minutes(self):
        return int(self.ttl.total_seconds() // 60)


DEFAULT_CODE_POLICY = CodePolicy()


@dataclass(frozen=True)
class CodeState:
    """What is stored for one issued code."""
    code_hash: str
    salt: str
    expires_at: datetime
    tries_used: int = 0
    used: bool = False  # consumed by a successful check


class CodeOutcome(str, Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"  # too old, or already used
    EXHAUSTED = "exhausted"  # no tries left: ask for a new code


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeOutcome
    tries_used: int  # store this back (counts this attempt when it was wrong)
    tries_left: int

    @property
    def ok(self):
        return self.outcome is CodeOutcome.OK

    def error(self):
        """The AppError to raise for anything but OK (None for OK)."""
        if self.outcome is CodeOutcome.WRONG:
            return ValidationFailed(
                fields={"code": [f"验证码错误，还可尝试{self.tries_left}次 / wrong code, "
                                 f"{self.tries_left} tries left"]},
                code="CODE_WRONG",
                message=f"验证码错误，还可尝试{self.tries_left}次",
                message_en=f"Wrong code, {self.tries_left} tries left",
                details={"tries_left": self.tries_left},
            )
        if self.outcome is CodeOutcome.EXPIRED:
            return Gone(code="CODE_EXPIRED", message="验证码已失效，请重新获取",
                        message_en="The code is no longer valid, request a new one")
        if self.outcome is CodeOutcome.EXHAUSTED:
            return TooManyRequests(code="CODE_EXHAUSTED", message="验证码错误次数过多，请重新获取",
                                   message_en="Too many wrong codes, request a new one")
        return None


def new_code():
    """6 random digits, leading zeros kept ("042917")."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def new_salt():
    return secrets.token_hex(16)


def hash_code(code, salt, pepper=b""):
    """HMAC-SHA256(pepper, salt ":" code) as hex. `pepper` is a server secret (bytes or str)."""
    if isinstance(pepper, str):
        pepper = pepper.encode("utf-8")
    message = f"{salt}:{code}".encode("utf-8")
    return hmac.new(pepper or _NO_PEPPER, message, hashlib.sha256).hexdigest()


def issue_code(now, policy=DEFAULT_CODE_POLICY, pepper=b""):
    """(code to send, CodeState to store) for a new code."""
    code, salt = new_code(), new_salt()
    return code, CodeState(code_hash=hash_code(code, salt, pepper), salt=salt, expires_at=now + policy.ttl)


def check_code(state, code, now, policy=DEFAULT_CODE_POLICY, pepper=b""):
    """Check a presented code against the stored state.

    A wrong or malformed code uses up a try (store `tries_used`); after
    `max_tries` wrong ones even the right code is refused, so 5 guesses out of a
    million is all anyone gets. A used code counts as expired.
    """
    if state.tries_used >= policy.max_tries:
        return CodeCheck(CodeOutcome.EXHAUSTED, state.tries_used, 0)
    if state.used or now >= state.expires_at:
        return CodeCheck(CodeOutcome.EXPIRED, state.tries_used, policy.max_tries - state.tries_used)
    presented = re.sub(r"\s+", "", code or "")
    # Hash whatever was sent so a malformed code costs the same time as a wrong one.
    matches = hmac.compare_digest(hash_code(presented, state.salt, pepper), state.code_hash)
    if matches and re.fullmatch(rf"\d{{{CODE_DIGITS}}}", presented):
        return CodeCheck(CodeOutcome.OK, state.tries_used, policy.max_tries - state.tries_used)
    tries_used = state.tries_used + 1
    return CodeCheck(CodeOutcome.WRONG, tries_used, max(0, policy.max_tries - tries_used))


def seconds_until_resend(last_sent_at, now, policy=DEFAULT_CODE_POLICY):
    """0 if a new code may be sent now, else the seconds to wait (stops mail/SMS bombing)."""
    if last_sent_at is None:
        return 0
    wait = (last_sent_at + policy.resend_interval - now).total_seconds()
    return max(0, int(wait + 0.999))
