"""The access-token format, shared by the one process that issues tokens (identity)
and every process that verifies them (the gateway): signing keys, access and MFA
tokens (JWT, EdDSA), their JWK set and the verifier. It lives in the chassis so the
gateway ships no service code.

Access tokens are short-lived (15 min) JWTs signed with Ed25519. Identity holds
the private key; the gateway verifies with the public JWK set and needs no call
per request. Only "EdDSA" is accepted: a token that names another algorithm
("none", HS256 with the public key as the secret ...) is refused before any
signature code runs.

Refresh tokens and sessions are identity's own business: services/identity/domain/sessions.py.
"""
import base64
import hashlib
import json
import os
import secrets
import time
from datetime import datetime
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from servicekit.errors import Unauthorized

ALGORITHM = "EdDSA"
ISSUER = "suanpan-identity"
AUDIENCE = "suanpan"  # every service behind the gateway
# MFA tokens are only for identity's own second login step; a different
# audience means even a verifier that forgot the typ check would refuse one.
MFA_AUDIENCE = "suanpan-identity"
TYP_ACCESS = "access"
TYP_MFA = "mfa"
ACCESS_TOKEN_TTL_SECONDS = 900
MFA_TOKEN_TTL_SECONDS = 300
# Clock skew tolerated between identity and the verifying process.
LEEWAY_SECONDS = 5
# Ours are about 600 characters; anything much larger is not ours.
MAX_TOKEN_LENGTH = 8192
# How many verified tokens a TokenVerifier remembers (about 1 KiB each).
VERIFIED_CACHE_SIZE = 10_000

# Claims issue_access_token sets itself; `extra` may not override them.
RESERVED_CLAIMS = frozenset(
    {"iss", "aud", "sub", "agency", "roles", "sid", "client_id", "iat", "nbf", "exp", "jti", "typ"}
)
_REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "nbf", "exp", "jti"]


class UnknownKeyError(Unauthorized):
    """The token names a key id we do not have: identity may have rotated its key.
    Refresh the JWK set and verify again; if it is still unknown, it is a 401."""

    default_code = "TOKEN_INVALID"
    default_zh = "登录凭证无效，请重新登录"
    default_en = "The token is invalid, please sign in again"


def token_invalid(reason):
    return Unauthorized(
        code="TOKEN_INVALID",
        message="登录凭证无效，请重新登录",
        message_en="The token is invalid, please sign in again",
        details={"reason": reason},
    )


def _token_expired():
    return Unauthorized(
        code="TOKEN_EXPIRED",
        message="登录凭证已过期",
        message_en="The token has expired",
    )


# --------------------------------------------------------------------------- signing keys

def load_or_create_signing_key(path):
    """The Ed25519 private key in the PEM (PKCS#8) file at `path`, created if missing.

    Creating is for local runs; in production the file is a mounted Secret. A new
    file gets mode 0600 and is put in place with a hard link, so two processes
    starting at once end up with one key, never a half-written file.
    """
    path = Path(path)
    try:
        return private_key_from_pem(path.read_bytes())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # fails if another process won the race: use theirs
        except FileExistsError:
            pass
        except OSError:
            os.replace(temp, path)  # a filesystem without hard links
    finally:
        if temp.exists():
            temp.unlink()
    return private_key_from_pem(path.read_bytes())


def private_key_from_pem(pem):
    """Load an unencrypted PKCS#8 Ed25519 private key (e.g. from an environment variable)."""
    if isinstance(pem, str):
        pem = pem.encode("ascii")
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key must be an Ed25519 private key")
    return key


def _public(key):
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public_bytes(key):
    return _public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key):
    """RFC 7638 JWK thumbprint (sha256, base64url) of the public key: the same key
    always gets the same kid, in every process, with nothing to configure."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw_public_bytes(key))}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode("ascii")
    return _b64url(hashlib.sha256(canonical).digest())


def public_jwk(key):
    """The public half of `key` (private or public) as a JWK."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(_raw_public_bytes(key)),
        "kid": key_id(key),
        "alg": ALGORITHM,
        "use": "sig",
    }


def public_jwks(keys):
    """A JWK set of the public halves of `keys`: the current key first, then the
    previous ones still needed to verify tokens issued before a rotation."""
    return {"keys": [public_jwk(key) for key in keys]}


# --------------------------------------------------------------------------- issuing

def _epoch(now):
    return int(now.timestamp()) if isinstance(now, datetime) else int(now)


def _sign(private_key, kid, claims):
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": kid})


def _check_extra(extra):
    extra = dict(extra or {})
    clash = RESERVED_CLAIMS.intersection(extra)
    if clash:
        raise ValueError(f"extra claims may not override {sorted(clash)}")
    return extra


def issue_access_token(private_key, kid, *, user_id, agency_id, roles, session_id, client_id=None,
                       now, ttl_seconds=ACCESS_TOKEN_TTL_SECONDS, extra=None):
    """A signed access token and its lifetime in seconds: (token, expires_in)."""
    issued_at = _epoch(now)
    claims = {
        **_check_extra(extra),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": TYP_ACCESS,
        "sub": str(user_id),
        "agency": str(agency_id),
        "roles": list(roles),
        "sid": str(session_id),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + int(ttl_seconds),
        "jti": secrets.token_urlsafe(16),
    }
    if client_id is not None:
        claims["client_id"] = str(client_id)
    return _sign(private_key, kid, claims), int(ttl_seconds)


def issue_mfa_token(private_key, kid, *, user_id, agency_id, now, ttl_seconds=MFA_TOKEN_TTL_SECONDS, extra=None):
    """A short-lived token proving the password step passed: (token, expires_in).

    It only lets the holder present a TOTP or recovery code; it is no access token.
    Put what the second step needs (e.g. the lockout key) in `extra`.
    """
    issued_at = _epoch(now)
    claims = {
        **_check_extra(extra),
        "iss": ISSUER,
        "aud": MFA_AUDIENCE,
        "typ": TYP_MFA,
        "sub": str(user_id),
        "agency": str(agency_id),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + int(ttl_seconds),
        "jti": secrets.token_urlsafe(16),
    }
    return _sign(private_key, kid, claims), int(ttl_seconds)


# --------------------------------------------------------------------------- verifying

class TokenVerifier:
    """Verifies access and MFA tokens against a JWK set.

    The gateway calls it on every request, so the JWKs are turned into key
    objects once, here, and a first verification is a dict lookup plus one
    Ed25519 check (about 0.2 ms on the 2-core machines). A client sends the same
    token for up to 15 minutes, so tokens whose signature and claims checked
    out are remembered (bounded, per verifier): a repeat costs a dict lookup
    and the expiry check, which is redone every time. Build a new verifier, or
    call `replace_keys`, when identity publishes a new set.
    """

    def __init__(self, jwks, *, issuer=ISSUER, leeway_seconds=LEEWAY_SECONDS, cache_size=VERIFIED_CACHE_SIZE):
        self.issuer = issuer
        self.leeway = leeway_seconds
        self._jwt = jwt.PyJWT()
        self._keys = {}
        self._cache_size = cache_size
        self._verified = {}
        self.replace_keys(jwks)

    def replace_keys(self, jwks):
        keys = {}
        for jwk in (jwks or {}).get("keys", []):
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("kid"):
                continue  # not a key we would ever sign with
            if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
                continue
            keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
        self._keys = keys  # one assignment: readers see the old set or the new one
        self._verified = {}  # a dropped key must not keep its tokens alive

    @property
    def key_ids(self):
        return tuple(self._keys)

    def verify_access(self, token, now=None):
        """The claims of a valid access token; raises Unauthorized (TOKEN_INVALID,
        TOKEN_EXPIRED) or UnknownKeyError."""
        return self._verify(token, TYP_ACCESS, AUDIENCE, now)

    def verify_mfa(self, token, now=None):
        """The claims of a valid MFA token (same errors as verify_access)."""
        return self._verify(token, TYP_MFA, MFA_AUDIENCE, now)

    def _verify(self, token, expected_typ, audience, now):
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise token_invalid("malformed")
        now = time.time() if now is None else _epoch_float(now)
        cached = self._verified.get((token, expected_typ))
        if cached is not None:
            self._check_times(cached, now)
            return _json_copy(cached)  # a caller changing its claims must not change ours
        claims = self._verify_uncached(token, expected_typ, audience)
        self._check_times(claims, now)
        if self._cache_size:
            if len(self._verified) >= self._cache_size:
                self._verified = {}  # crude but bounded; refills with live tokens
            self._verified[(token, expected_typ)] = claims
        return _json_copy(claims)

    def _verify_uncached(self, token, expected_typ, audience):
        header = _unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise token_invalid("algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise token_invalid("no_key_id")
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKeyError(details={"reason": "unknown_key_id", "kid": kid})
        try:
            claims = self._jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self.issuer,
                # Time claims are checked below against the injectable `now`.
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                         "require": _REQUIRED_CLAIMS},
            )
        except jwt.InvalidAudienceError:
            raise token_invalid("audience") from None
        except jwt.InvalidIssuerError:
            raise token_invalid("issuer") from None
        except jwt.InvalidSignatureError:
            raise token_invalid("signature") from None
        except jwt.InvalidTokenError:
            raise token_invalid("malformed") from None
        if claims.get("typ") != expected_typ:
            raise token_invalid("token_type")
        return claims

    def _check_times(self, claims, now):
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (exp, nbf, iat)):
            raise token_invalid("time_claims")
        if now >= exp + self.leeway:
            raise _token_expired()
        if now + self.leeway < nbf or now + self.leeway < iat:
            raise token_invalid("not_yet_valid")


def _json_copy(value):
    """Deep copy of decoded JSON (dicts, lists, scalars), faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


def _unverified_header(token):
    """The JOSE header, only to pick the key; PyJWT checks the algorithm again
    when it verifies the signature."""
    try:
        segment = token.split(".", 1)[0]
        header = json.loads(_b64url_decode(segment))
    except (ValueError, TypeError, RecursionError):
        raise token_invalid("malformed") from None
    if not isinstance(header, dict):
        raise token_invalid("malformed")
    return header


def _epoch_float(now):
    return now.timestamp() if isinstance(now, datetime) else float(now)
