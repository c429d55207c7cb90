"""Bad payloads sent straight over RPC are refused by the service's own schemas
(ValidationFailed with details["fields"]), and nothing is written."""
import pytest

from servicekit.errors import ValidationFailed

from .conftest import PASSWORD, anonymous_context, total_users, unique_email


def _good_user(**changes):
    body = {"name": "刘会计", "email": unique_email("valid"), "password": PASSWORD, "roles": ["accountant"]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


BAD_CREATE = {
    "unknown field": (_good_user(agency_id="00000000-0000-0000-0000-000000000001"), "agency_id"),
    "unknown field is_superuser": (_good_user(is_superuser=True), "is_superuser"),
    "roles not a list": (_good_user(roles="admin"), "roles"),
    "name not a string": (_good_user(name=123), "name"),
    "unknown role": (_good_user(roles=["root"]), "roles"),
    "empty roles": (_good_user(roles=[]), "roles"),
    "client_id not a uuid": (_good_user(client_id="company-1"), "client_id"),
    "bad email": (_good_user(email="not-an-email"), "email"),
    "missing password": (_good_user(password=...), "password"),
    "missing roles": (_good_user(roles=...), "roles"),
    "missing name": (_good_user(name=...), "name"),
    "no email or phone": (_good_user(email=...), "email"),
    "weak password": (_good_user(password="123456"), "password"),
    "client role without client_id": (_good_user(roles=["client"]), "client_id"),
    "client role with staff role": (_good_user(roles=["client", "admin"],
                                               client_id="00000000-0000-0000-0000-000000000002"), "roles"),
}


@pytest.mark.parametrize("payload,field", BAD_CREATE.values(), ids=list(BAD_CREATE))
def test_bad_create_user_payload_is_refused_and_nothing_written(rpc, agency_a, payload, field):
    admin = agency_a.admin
    before = total_users(rpc, admin)
    audit_before = rpc.identity("audit_log", {"page_size": 1}, context=admin.context())["total"]
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("create_user", payload, context=admin.context())
    assert err.value.status == 400
    assert field in err.value.details["fields"], err.value.details
    assert all(isinstance(m, (list, dict)) for m in err.value.details["fields"].values())
    assert total_users(rpc, admin) == before
    assert rpc.identity("audit_log", {"page_size": 1}, context=admin.context())["total"] == audit_before
    if isinstance(payload.get("email"), str):
        assert rpc.identity("list_users", {"q": payload["email"]}, context=admin.context())["total"] == 0


@pytest.mark.parametrize("payload", ["just a string", ["a", "list"], 42], ids=["string", "list", "number"])
def test_a_payload_that_is_not_an_object_is_a_validation_error(rpc, agency_a, payload):
    before = total_users(rpc, agency_a.admin)
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("create_user", payload, context=agency_a.admin.context())
    assert err.value.details["fields"]
    assert total_users(rpc, agency_a.admin) == before


BAD_UPDATE = {
    "unknown field": ({"agency_id": "00000000-0000-0000-0000-000000000001"}, "agency_id"),
    "email is not changeable here": ({"email": "x@example.cn"}, "email"),
    "disabled not a boolean": ({"disabled": "maybe"}, "disabled"),
    "roles not a list": ({"roles": "admin"}, "roles"),
    "name too long": ({"name": "名" * 51}, "name"),
    "name empty": ({"name": ""}, "name"),
}


@pytest.mark.parametrize("payload,field", BAD_UPDATE.values(), ids=list(BAD_UPDATE))
def test_bad_update_user_payload_is_refused_and_nothing_written(rpc, agency_a, payload, field):
    admin, target = agency_a.admin, agency_a.accountant
    before = rpc.identity("get_user", target.id, context=admin.context())
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("update_user", target.id, {"name": "不该改名", **payload}, context=admin.context())
    assert field in err.value.details["fields"], err.value.details
    assert rpc.identity("get_user", target.id, context=admin.context()) == before


@pytest.mark.parametrize("query,field", [
    ({"page": "first"}, "page"),
    ({"page_size": 1000}, "page_size"),
    ({"page": 0}, "page"),
    ({"role": "root"}, "role"),
    ({"agency_id": "00000000-0000-0000-0000-000000000001"}, "agency_id"),
], ids=["page-not-int", "page-size-too-big", "page-zero", "unknown-role", "unknown-field"])
def test_bad_list_users_query(rpc, agency_a, query, field):
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("list_users", query, context=agency_a.admin.context())
    assert field in err.value.details["fields"]


@pytest.mark.parametrize("query,field", [
    ({"since": "yesterday"}, "since"),
    ({"actor_id": "nobody"}, "actor_id"),
    ({"page_size": "lots"}, "page_size"),
], ids=["since", "actor_id", "page_size"])
def test_bad_audit_query(rpc, agency_a, query, field):
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("audit_log", query, context=agency_a.admin.context())
    assert field in err.value.details["fields"]


@pytest.mark.parametrize("payload,field", [
    ({"agency_name": "渭南财税", "name": "黄会计", "password": PASSWORD}, "email"),
    ({"agency_name": "渭南财税", "name": "黄会计", "email": "x@example.cn"}, "password"),
    ({"agency_name": "渭南财税", "name": "黄会计", "email": "x@example.cn", "password": PASSWORD,
      "roles": ["admin"]}, "roles"),
    ({"agency_name": ["渭南"], "name": "黄会计", "email": "x@example.cn", "password": PASSWORD}, "agency_name"),
], ids=["no-contact", "no-password", "unknown-field", "wrong-type"])
def test_bad_register_agency_payload_sends_no_code(identity_platform, rpc, payload, field):
    outbox = identity_platform.dev_outbox()
    size = outbox.stat().st_size if outbox.exists() else 0
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("register_agency", payload, context=anonymous_context())
    assert field in err.value.details["fields"]
    assert (outbox.stat().st_size if outbox.exists() else 0) == size


@pytest.mark.parametrize("payload,field", [
    ({"registration_id": "nope", "code": "123456"}, "registration_id"),
    ({"registration_id": "00000000-0000-0000-0000-000000000003", "code": "12345"}, "code"),
    ({"registration_id": "00000000-0000-0000-0000-000000000003"}, "code"),
], ids=["id-not-uuid", "short-code", "missing-code"])
def test_bad_verify_registration_payload(rpc, payload, field):
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("verify_registration", payload, context=anonymous_context())
    assert field in err.value.details["fields"]


def test_login_payload_with_unknown_field(rpc, agency_a):
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("login", {"login": agency_a.admin.email, "password": PASSWORD, "remember_me": True},
                 context=anonymous_context())
    assert "remember_me" in err.value.details["fields"]
