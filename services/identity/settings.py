"""Identity's settings, read once from nameko config / the environment."""
from dataclasses import dataclass
from datetime import timedelta

from servicekit.config import setting

from .domain.codes import CodePolicy
from .domain.lockout import LockoutPolicy
from .domain.sessions import SessionPolicy


@dataclass(frozen=True)
class IdentitySettings:
    access_token_ttl: int = 900
    sessions: SessionPolicy = SessionPolicy()
    lockout: LockoutPolicy = LockoutPolicy()
    password_max_age_days: int = 90
    codes: CodePolicy = CodePolicy()

    @classmethod
    def load(cls):
        return cls(
            access_token_ttl=setting("ACCESS_TOKEN_TTL_SECONDS", 900, int),
            sessions=SessionPolicy(
                idle_timeout=timedelta(minutes=setting("SESSION_IDLE_MINUTES", 30, float)),
                absolute_lifetime=timedelta(hours=setting("SESSION_MAX_HOURS", 12, float)),
            ),
            lockout=LockoutPolicy(
                max_failures=setting("LOCKOUT_MAX_FAILURES", 5, int),
                window=timedelta(minutes=setting("LOCKOUT_WINDOW_MINUTES", 15, float)),
                lock_duration=timedelta(minutes=setting("LOCKOUT_MINUTES", 15, float)),
            ),
            password_max_age_days=setting("PASSWORD_MAX_AGE_DAYS", 90, int),
            codes=CodePolicy(
                ttl=timedelta(minutes=setting("CODE_TTL_MINUTES", 10, float)),
                max_tries=setting("CODE_MAX_TRIES", 5, int),
            ),
        )
