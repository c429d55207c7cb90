import base64
import json
import os
import stat
import time
from datetime import datetime, timezone

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from servicekit.errors import Unauthorized
from servicekit.tokens import (
    AUDIENCE,
    ISSUER,
    TokenVerifier,
    UnknownKeyError,
    issue_access_token,
    issue_mfa_token,
    key_id,
    load_or_create_signing_key,
    public_jwk,
    public_jwks,
)

NOW = datetime.now(timezone.utc).replace(microsecond=0)
T = NOW.timestamp()


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def kid(key):
    return key_id(key)


@pytest.fixture
def verifier(key):
    return TokenVerifier(public_jwks([key]))


def access(key, kid, now=NOW, **overrides):
    fields = dict(user_id="u-1", agency_id="a-1", roles=["admin", "accountant"], session_id="s-1", now=now)
    fields.update(overrides)
    return issue_access_token(key, kid, **fields)[0]


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_invalid(call, code="TOKEN_INVALID", reason=None):
    with pytest.raises(Unauthorized) as caught:
        call()
    assert caught.value.code == code
    if reason:
        assert caught.value.details.get("reason") == reason
    return caught.value


# --------------------------------------------------------------------------- keys

def test_key_id_is_the_rfc_7638_thumbprint():
    # RFC 8037 appendix A.1-A.3: an Ed25519 key and its JWK thumbprint.
    d = base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
    private = Ed25519PrivateKey.from_private_bytes(d)
    jwk = public_jwk(private)
    assert jwk["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert key_id(private) == key_id(private.public_key()) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_jwks_shape(key, kid):
    jwks = public_jwks([key])
    assert jwks == {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": public_jwk(key)["x"], "kid": kid,
                              "alg": "EdDSA", "use": "sig"}]}
    assert "d" not in jwks["keys"][0]


def test_signing_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "secrets" / "signing.pem"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    second = load_or_create_signing_key(path)
    assert key_id(first) == key_id(second)
    assert [p.name for p in path.parent.iterdir()] == ["signing.pem"]  # no temp file left


def test_signing_key_file_of_another_type_is_refused(tmp_path):
    path = tmp_path / "ec.pem"
    path.write_bytes(generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with pytest.raises(ValueError):
        load_or_create_signing_key(path)


# --------------------------------------------------------------------------- access tokens

def test_round_trip(key, kid, verifier):
    token, expires_in = issue_access_token(key, kid, user_id="u-1", agency_id="a-1", roles=("admin",),
                                           session_id="s-1", client_id="c-9", now=NOW)
    assert expires_in == 900
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": kid, "typ": "JWT"}
    claims = verifier.verify_access(token)
    assert claims["sub"] == "u-1" and claims["agency"] == "a-1" and claims["sid"] == "s-1"
    assert claims["roles"] == ["admin"] and claims["client_id"] == "c-9"
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE and claims["typ"] == "access"
    assert claims["iat"] == claims["nbf"] == int(T) and claims["exp"] == int(T) + 900
    assert len(claims["jti"]) >= 16


def test_each_token_has_its_own_jti(key, kid, verifier):
    assert verifier.verify_access(access(key, kid))["jti"] != verifier.verify_access(access(key, kid))["jti"]


def test_extra_claims_are_kept_but_cannot_override(key, kid, verifier):
    token, _ = issue_access_token(key, kid, user_id="u", agency_id="a", roles=[], session_id="s", now=NOW,
                                  extra={"name": "张三"})
    assert verifier.verify_access(token)["name"] == "张三"
    with pytest.raises(ValueError):
        issue_access_token(key, kid, user_id="u", agency_id="a", roles=[], session_id="s", now=NOW,
                           extra={"roles": ["admin"]})


def test_tampered_signature_is_refused(key, kid, verifier):
    header, payload, signature = access(key, kid).split(".")
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1:]
    assert_invalid(lambda: verifier.verify_access(f"{header}.{payload}.{flipped}"), reason="signature")


def test_tampered_payload_is_refused(key, kid, verifier):
    header, payload, signature = access(key, kid).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["admin", "supervisor"]
    assert_invalid(lambda: verifier.verify_access(f"{header}.{b64(claims)}.{signature}"))


def test_alg_none_is_refused(key, kid, verifier):
    _, payload, _ = access(key, kid).split(".")
    header = b64({"alg": "none", "kid": kid, "typ": "JWT"})
    assert_invalid(lambda: verifier.verify_access(f"{header}.{payload}."), reason="algorithm")


def test_hs256_with_the_public_key_as_secret_is_refused(key, kid, verifier):
    # The classic confusion attack: sign with HMAC using the public key as the secret.
    claims = jwt.decode(access(key, kid), options={"verify_signature": False})
    secret = public_jwk(key)["x"].encode()
    forged = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})
    assert_invalid(lambda: verifier.verify_access(forged), reason="algorithm")


def test_header_claiming_eddsa_over_an_hmac_signature_is_refused(key, kid, verifier):
    claims = jwt.decode(access(key, kid), options={"verify_signature": False})
    forged = jwt.encode(claims, "secret-of-at-least-32-bytes-long!!", algorithm="HS256", headers={"kid": kid})
    _, payload, signature = forged.split(".")
    header = b64({"alg": "EdDSA", "kid": kid})
    assert_invalid(lambda: verifier.verify_access(f"{header}.{payload}.{signature}"))


def test_expired_token(key, kid, verifier):
    token = access(key, kid)
    assert verifier.verify_access(token, now=T + 900 + 4)  # within the 5 s leeway
    assert_invalid(lambda: verifier.verify_access(token, now=T + 900 + 5), code="TOKEN_EXPIRED")
    old = access(key, kid, now=datetime.fromtimestamp(time.time() - 2000, timezone.utc))
    assert_invalid(lambda: verifier.verify_access(old), code="TOKEN_EXPIRED")  # real clock


def test_token_from_the_future_is_refused(key, kid, verifier):
    assert_invalid(lambda: verifier.verify_access(access(key, kid), now=T - 60), reason="not_yet_valid")


def test_expiry_is_rechecked_for_a_cached_token(key, kid, verifier):
    token = access(key, kid)
    verifier.verify_access(token, now=T)
    assert_invalid(lambda: verifier.verify_access(token, now=T + 1000), code="TOKEN_EXPIRED")


def test_cached_claims_cannot_be_changed_by_the_caller(key, kid, verifier):
    token = access(key, kid)
    verifier.verify_access(token, now=T)["roles"].append("supervisor")
    verifier.verify_access(token, now=T)["sub"] = "someone-else"
    claims = verifier.verify_access(token, now=T)
    assert claims["sub"] == "u-1" and claims["roles"] == ["admin", "accountant"]


def test_wrong_audience_is_refused(key, kid, verifier):
    claims = jwt.decode(access(key, kid), options={"verify_signature": False})
    other = jwt.encode({**claims, "aud": "someone-else"}, key, algorithm="EdDSA", headers={"kid": kid})
    assert_invalid(lambda: verifier.verify_access(other), reason="audience")


def test_wrong_issuer_is_refused(key, kid, verifier):
    claims = jwt.decode(access(key, kid), options={"verify_signature": False})
    other = jwt.encode({**claims, "iss": "evil"}, key, algorithm="EdDSA", headers={"kid": kid})
    assert_invalid(lambda: verifier.verify_access(other), reason="issuer")


def test_missing_claim_is_refused(key, kid, verifier):
    claims = jwt.decode(access(key, kid), options={"verify_signature": False})
    del claims["jti"]
    other = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})
    assert_invalid(lambda: verifier.verify_access(other))


def test_unknown_kid_raises_a_specific_error(verifier):
    other_key = Ed25519PrivateKey.generate()
    token = access(other_key, key_id(other_key))
    with pytest.raises(UnknownKeyError) as caught:
        verifier.verify_access(token)
    assert isinstance(caught.value, Unauthorized) and caught.value.code == "TOKEN_INVALID"
    verifier.replace_keys(public_jwks([other_key]))  # what the gateway does on UnknownKeyError
    assert verifier.verify_access(token)["sub"] == "u-1"


def test_missing_kid_is_invalid_not_unknown(key, verifier):
    claims = jwt.decode(access(key, key_id(key)), options={"verify_signature": False})
    token = jwt.encode(claims, key, algorithm="EdDSA")
    with pytest.raises(Unauthorized) as caught:
        verifier.verify_access(token)
    assert not isinstance(caught.value, UnknownKeyError)


def test_replacing_keys_forgets_tokens_of_the_old_key(key, kid, verifier):
    token = access(key, kid)
    verifier.verify_access(token)
    verifier.replace_keys(public_jwks([Ed25519PrivateKey.generate()]))
    with pytest.raises(UnknownKeyError):
        verifier.verify_access(token)


def test_jwks_with_two_keys_verifies_both(key, kid):
    new_key = Ed25519PrivateKey.generate()
    verifier = TokenVerifier(public_jwks([new_key, key]))
    assert verifier.verify_access(access(key, kid))
    assert verifier.verify_access(access(new_key, key_id(new_key)))
    assert set(verifier.key_ids) == {kid, key_id(new_key)}


def test_foreign_keys_in_the_jwks_are_ignored(key):
    jwks = public_jwks([key])
    jwks["keys"].append({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"})
    jwks["keys"].append({"kty": "OKP", "crv": "X25519", "x": public_jwk(key)["x"], "kid": "x25519"})
    assert TokenVerifier(jwks).key_ids == (key_id(key),)


@pytest.mark.parametrize("garbage", ["", None, 42, ["a.b.c"], "abc", "a.b.c", "....", "eyJhbGciOiJFZERTQSJ9.e30.",
                                     b64([1, 2]) + ".e30.sig", "é.e30.sig", "x" * 10_000,
                                     base64.urlsafe_b64encode(b"[" * 5000).decode() + ".e30.sig"])
def test_garbage_is_invalid(verifier, garbage):
    assert_invalid(lambda: verifier.verify_access(garbage))


# --------------------------------------------------------------------------- MFA tokens

def test_mfa_token_round_trip(key, kid, verifier):
    token, expires_in = issue_mfa_token(key, kid, user_id="u-1", agency_id="a-1", now=NOW,
                                        extra={"login": "zhang@example.com"})
    assert expires_in == 300
    claims = verifier.verify_mfa(token)
    assert claims["typ"] == "mfa" and claims["sub"] == "u-1" and claims["login"] == "zhang@example.com"
    assert_invalid(lambda: verifier.verify_mfa(token, now=T + 306), code="TOKEN_EXPIRED")


def test_mfa_token_is_not_an_access_token(key, kid, verifier):
    token, _ = issue_mfa_token(key, kid, user_id="u-1", agency_id="a-1", now=NOW)
    assert_invalid(lambda: verifier.verify_access(token))


def test_mfa_token_with_the_access_audience_is_still_not_an_access_token(key, kid, verifier):
    claims = jwt.decode(issue_mfa_token(key, kid, user_id="u", agency_id="a", now=NOW)[0],
                        options={"verify_signature": False})
    token = jwt.encode({**claims, "aud": AUDIENCE, "roles": [], "sid": "s"}, key, algorithm="EdDSA",
                       headers={"kid": kid})
    assert_invalid(lambda: verifier.verify_access(token), reason="token_type")


def test_access_token_is_not_an_mfa_token(key, kid, verifier):
    assert_invalid(lambda: verifier.verify_mfa(access(key, kid)))


# --------------------------------------------------------------------------- speed

def test_verification_is_well_under_a_millisecond(key, kid):
    tokens = [access(key, kid, user_id=f"u-{i}") for i in range(300)]
    uncached = TokenVerifier(public_jwks([key]), cache_size=0)
    started = time.perf_counter()
    for token in tokens:
        uncached.verify_access(token)
    per_token = (time.perf_counter() - started) / len(tokens)
    assert per_token < 0.001, f"{per_token * 1e6:.0f} µs per verification"

    cached = TokenVerifier(public_jwks([key]))
    for token in tokens:
        cached.verify_access(token)
    started = time.perf_counter()
    for token in tokens:
        cached.verify_access(token)
    assert (time.perf_counter() - started) / len(tokens) < 0.0001
