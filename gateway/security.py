"""What the gateway keeps in memory to authenticate requests without an RPC each:
identity's public signing keys, the sessions revoked lately, and per-IP counters
for the auth endpoints."""
import logging
import threading
import time

from nameko.extensions import SharedExtension
from nameko.standalone.rpc import ClusterRpcClient

from servicekit.config import setting
from servicekit.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from servicekit.tokens import TokenVerifier, UnknownKeyError

log = logging.getLogger(__name__)


class AuthState(SharedExtension):
    """Public keys + revoked sessions, loaded from identity on first use and kept
    current by identity's session_revoked events and a periodic re-sync."""

    KEY_REFETCH_MIN_SECONDS = 5

    def setup(self):
        self._verifier = None
        self._revoked = {}  # session_id -> unix time after which the entry can go
        self._last_fetch = 0.0
        self._lock = threading.Lock()

    def _fetch(self):
        with ClusterRpcClient(timeout=setting("RPC_TIMEOUT_SECONDS", 10, float)) as rpc:
            return rpc.identity.public_auth_state()

    def sync(self, state=None):
        """Replace keys and revocations with identity's current view."""
        if state is None:
            state = self._fetch()
        self._verifier = TokenVerifier(state["jwks"])
        now = time.time()
        keep_until = now + state.get("access_token_ttl", 900) + 60
        revoked = {sid: keep_until for sid in state.get("revoked_sessions", [])}
        # keep what events told us since; identity's list may be a moment older
        for sid, until in self._revoked.items():
            if until > now:
                revoked.setdefault(sid, until)
        self._revoked = revoked
        self._last_fetch = now

    def _ensure_loaded(self, force=False):
        if self._verifier is not None and not force:
            return
        with self._lock:
            if self._verifier is not None and not force:
                return
            if force and time.time() - self._last_fetch < self.KEY_REFETCH_MIN_SECONDS:
                return
            try:
                self.sync()
            except Exception as exc:  # noqa: BLE001
                log.warning("cannot load signing keys from identity: %s", exc)
                if self._verifier is None:
                    raise ServiceUnavailable(
                        code="AUTH_UNAVAILABLE",
                        message="认证服务暂时不可用，请稍后再试",
                        message_en="Authentication is temporarily unavailable, try again later",
                    ) from exc

    def mark_revoked(self, session_ids, ttl_seconds=960):
        until = time.time() + ttl_seconds
        for sid in session_ids:
            self._revoked[sid] = until

    def verify(self, token):
        """Return the claims of a valid, unrevoked access token or raise Unauthorized."""
        self._ensure_loaded()
        try:
            claims = self._verifier.verify_access(token)
        except UnknownKeyError:
            self._ensure_loaded(force=True)  # identity may have rotated its key
            claims = self._verifier.verify_access(token)
        if claims.get("sid") in self._revoked:
            raise Unauthorized(code="SESSION_REVOKED", message="会话已失效，请重新登录",
                               message_en="The session was ended, please sign in again")
        return claims


class RateLimiter(SharedExtension):
    """Fixed one-minute windows per (IP, bucket). Per gateway replica: behind N
    replicas the effective limit is N times this, which still stops brute force."""

    def setup(self):
        self._windows = {}

    def hit(self, ip, bucket):
        limit = setting("AUTH_RATE_LIMIT_PER_MINUTE", 30, int)
        window = int(time.time() // 60)
        key = (ip, bucket)
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._windows[key] = (start, count)
        if len(self._windows) > 100_000:  # forget old windows so memory stays bounded
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        if count > limit:
            raise TooManyRequests(details={"retry_after_seconds": 60 - int(time.time() % 60)})
