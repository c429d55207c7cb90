"""identity's business metrics (served on /metrics beside the per-entrypoint ones)."""
from prometheus_client import Counter

LOGINS = Counter("suanpan_identity_logins_total", "Sign-in attempts by outcome",
                 ["outcome"])  # success, WRONG_PASSWORD, UNKNOWN_LOGIN, LOCKED, DISABLED, WRONG_OTP, MFA_REQUIRED
LOCKOUTS = Counter("suanpan_identity_lockouts_total", "Logins locked after repeated failures")
SESSIONS_REVOKED = Counter("suanpan_identity_sessions_revoked_total", "Sessions ended", ["reason"])
