"""Registration, verification and sign-in over RPC, without the gateway."""
import json
import re

import pytest

from servicekit.errors import BadRequest, Conflict, Unauthorized

from .conftest import PASSWORD, anonymous_context, read_codes, unique_email


def _no_code_in(reply, code):
    text = json.dumps(reply, ensure_ascii=False)
    assert code not in text
    assert not re.search(r"\bcode\b", " ".join(_keys(reply))), reply


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def test_register_and_verify_create_agency_and_admin_without_returning_the_code(identity_platform, rpc):
    email = unique_email("founder")
    sent = rpc.identity("register_agency", {"agency_name": "宝鸡丙财税", "name": "周会计", "email": email,
                                        "password": PASSWORD}, context=anonymous_context())
    assert set(sent) >= {"registration_id", "sent_to", "expires_in"}
    assert sent["sent_to"] != email  # masked
    codes = read_codes(identity_platform, email)
    assert len(codes) == 1
    _no_code_in(sent, codes[0])

    done = rpc.identity("verify_registration", {"registration_id": sent["registration_id"], "code": codes[0]},
                    context=anonymous_context())
    _no_code_in(done, codes[0])
    assert done["agency"]["name"] == "宝鸡丙财税"
    assert done["user"]["roles"] == ["admin"]
    assert done["user"]["agency_id"] == done["agency"]["id"]
    assert done["user"]["email"] == email
    assert not any("hash" in key or key == "password" for key in _keys(done))
    assert "$argon2" not in json.dumps(done)

    # the code works once
    with pytest.raises(Conflict) as err:
        rpc.identity("verify_registration", {"registration_id": sent["registration_id"], "code": codes[0]},
                 context=anonymous_context())
    assert err.value.code == "REGISTRATION_COMPLETED"


def test_wrong_code_is_refused_and_creates_nothing(identity_platform, rpc):
    email = unique_email("typo")
    sent = rpc.identity("register_agency", {"agency_name": "汉中丁财税", "name": "吴会计", "email": email,
                                        "password": PASSWORD}, context=anonymous_context())
    good = read_codes(identity_platform, email)[-1]
    wrong = f"{(int(good) + 1) % 1000000:06d}"
    with pytest.raises(BadRequest):
        rpc.identity("verify_registration", {"registration_id": sent["registration_id"], "code": wrong},
                 context=anonymous_context())
    with pytest.raises(Unauthorized) as err:  # no user yet
        rpc.identity("login", {"login": email, "password": PASSWORD}, context=anonymous_context())
    assert err.value.code == "INVALID_CREDENTIALS"


def test_login_returns_tokens_that_verify_with_the_published_jwks(rpc, identity, verifier):
    admin = identity.register_agency("延安戊财税")
    tokens = admin.tokens
    assert tokens["token_type"] == "Bearer"
    assert tokens["access_token"] and tokens["refresh_token"]
    assert tokens["expires_in"] > 0

    # a verifier built from what public_auth_state publishes (as the gateway does)
    state = rpc.identity("public_auth_state")
    assert state["jwks"]["keys"]
    claims = type(verifier)(state["jwks"]).verify_access(tokens["access_token"])
    assert claims["sub"] == admin.user["id"]
    assert claims["agency"] == admin.user["agency_id"]
    assert claims["roles"] == ["admin"]
    assert claims["sid"]

    # the context built from those claims is accepted by the service itself
    me = rpc.identity("me", context=admin.context())
    assert me["id"] == claims["sub"] and me["agency"]["id"] == claims["agency"]
    assert "users.manage" in me["permissions"]

    # a fresh login is a new session
    again = identity.login(admin.email)
    assert again.claims["sid"] != claims["sid"]
    sessions = rpc.identity("my_sessions", context=again.context())["items"]
    assert {claims["sid"], again.claims["sid"]} <= {s["id"] for s in sessions}


def test_refresh_rotates_the_refresh_token(rpc, identity, verifier):
    admin = identity.register_agency("安康己财税")
    fresh = rpc.identity("refresh", {"refresh_token": admin.tokens["refresh_token"]}, context=anonymous_context())
    assert fresh["refresh_token"] != admin.tokens["refresh_token"]
    assert verifier.verify_access(fresh["access_token"])["sid"] == admin.claims["sid"]


def test_wrong_password_is_unauthorized(rpc, agency_a):
    with pytest.raises(Unauthorized) as err:
        rpc.identity("login", {"login": agency_a.accountant.email, "password": PASSWORD + "x"},
                 context=anonymous_context())
    assert err.value.code == "INVALID_CREDENTIALS"
