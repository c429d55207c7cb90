"""servicekit.auth: the auth context, the permission matrix and tenant scoping."""
import json
import types

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase

from servicekit.auth import (
    CONTEXT_KEY, PERMISSIONS, ROLES, SIGNATURE_KEY, Auth, AuthContext, RequestInfo, signature, signed_context,
    signing_key, tenant_filter,
)
from servicekit.errors import Forbidden, Unauthorized

# The identity permissions as decided (docs/permissions.md); later services add
# their own rows to PERMISSIONS, these must not change under them.
EXPECTED = {
    "agency.read": {"admin", "supervisor", "accountant", "assistant", "client"},
    "agency.manage": {"admin"},
    "users.read": {"admin", "supervisor"},
    "users.manage": {"admin"},
    "users.revoke_sessions": {"admin"},
    "users.read_logins": {"admin"},
    "audit.read": {"admin"},
    "self.read": {"admin", "supervisor", "accountant", "assistant", "client"},
    "self.manage": {"admin", "supervisor", "accountant", "assistant", "client"},
}


def ctx(*roles, **kw):
    kw.setdefault("agency_id", "agency-1")
    kw.setdefault("user_id", "user-1")
    return AuthContext(roles=tuple(roles), **kw)


# --------------------------------------------------------------------------- AuthContext

def test_to_json_from_json_round_trip():
    original = AuthContext(agency_id="a-1", user_id="u-1", roles=("admin", "accountant"), session_id="s-1",
                           client_id="c-1", ip="203.0.113.7", user_agent="Mozilla/5.0 浏览器")
    text = original.to_json()
    assert isinstance(text, str)
    assert json.loads(text) == {
        "agency_id": "a-1", "user_id": "u-1", "roles": ["admin", "accountant"], "session_id": "s-1",
        "client_id": "c-1", "ip": "203.0.113.7", "user_agent": "Mozilla/5.0 浏览器",
    }
    rebuilt = AuthContext.from_json(text)
    assert rebuilt == original
    assert rebuilt.roles == ("admin", "accountant") and isinstance(rebuilt.roles, tuple)


def test_from_json_minimal():
    rebuilt = AuthContext.from_json('{"agency_id": "a", "user_id": "u"}')
    assert rebuilt == AuthContext(agency_id="a", user_id="u")
    assert rebuilt.roles == () and rebuilt.session_id is None and rebuilt.client_id is None
    assert AuthContext.from_json('{"agency_id": "a", "user_id": "u", "roles": null}').roles == ()


def test_auth_context_is_immutable():
    with pytest.raises(Exception):
        ctx("admin").agency_id = "other"


def test_permission_table_is_the_expected_one():
    assert {name: PERMISSIONS.get(name) for name in EXPECTED} == EXPECTED
    for roles in PERMISSIONS.values():
        assert roles and roles <= set(ROLES)
    assert set(ROLES) == {"admin", "supervisor", "accountant", "assistant", "client"}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
def test_can_and_require_follow_the_table(role, permission):
    auth = ctx(role)
    allowed = role in PERMISSIONS[permission]
    assert auth.can(permission) is allowed
    if allowed:
        assert auth.require(permission) is auth
    else:
        with pytest.raises(Forbidden) as info:
            auth.require(permission)
        assert info.value.status == 403
        assert info.value.code == "FORBIDDEN"
        assert info.value.details == {"permission": permission}


def test_no_roles_can_do_nothing():
    auth = ctx()
    for permission in PERMISSIONS:
        assert auth.can(permission) is False


def test_several_roles_grant_the_union():
    auth = ctx("assistant", "supervisor")
    assert auth.can("users.read")
    assert not auth.can("users.manage")
    unknown_role = ctx("root", "superuser")
    assert not any(unknown_role.can(p) for p in PERMISSIONS)


def test_unknown_permission_raises_key_error():
    with pytest.raises(KeyError):
        ctx("admin").can("vouchers.delete_everything")
    with pytest.raises(KeyError):
        ctx("admin").require("nope")


# --------------------------------------------------------------------------- RequestInfo

def test_request_info_signed_in():
    auth = ctx("accountant", session_id="s-9")
    info = RequestInfo({**signed_context(auth), "client_ip": "198.51.100.4",
                        "client_user_agent": "curl/8", "idempotency_key": "k-1"})
    assert info.signed_in is True
    assert info.auth == auth
    assert info.ip == "198.51.100.4"
    assert info.user_agent == "curl/8"
    assert info.idempotency_key == "k-1"
    assert info.require("agency.read") == auth
    with pytest.raises(Forbidden):
        info.require("users.manage")


def test_request_info_anonymous():
    info = RequestInfo({"client_ip": "198.51.100.4"})
    assert info.signed_in is False
    assert info.ip == "198.51.100.4"
    assert info.user_agent is None and info.idempotency_key is None
    with pytest.raises(Unauthorized) as raised:
        info.auth  # noqa: B018 - the property raises
    assert raised.value.status == 401 and raised.value.code == "UNAUTHENTICATED"
    with pytest.raises(Unauthorized):
        info.require("agency.read")


def test_request_info_empty_auth_is_anonymous():
    assert RequestInfo({CONTEXT_KEY: ""}).signed_in is False
    assert RequestInfo({CONTEXT_KEY: None}).signed_in is False
    assert RequestInfo({}).signed_in is False


@pytest.mark.parametrize("raw", [
    "not json", "{", '{"user_id": "u"}', '{"agency_id": "a"}', "[1, 2]", '"text"', "null", "42",
    '{"agency_id": "a", "user_id": "u", "roles": 5}',
])
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_malformed_auth_context_fails_the_call_not_the_dependency(raw, signed):
    sig = {SIGNATURE_KEY: signature(raw)} if signed else {}
    info = RequestInfo({CONTEXT_KEY: raw, **sig, "client_ip": "198.51.100.4"})  # building it never raises
    assert info.ip == "198.51.100.4"
    with pytest.raises(Unauthorized) as raised:
        info.auth  # noqa: B018 - the property raises
    assert raised.value.code == "AUTH_CONTEXT_INVALID"
    assert raised.value.status == 401
    with pytest.raises(Unauthorized):
        info.require("agency.read")


def test_auth_context_is_parsed_once():
    info = RequestInfo(signed_context(ctx("admin")))
    assert info.auth is info.auth


def test_auth_dependency_reads_worker_context_data():
    auth = ctx("admin")
    worker_ctx = types.SimpleNamespace(context_data=signed_context(auth))
    info = Auth().get_dependency(worker_ctx)
    assert isinstance(info, RequestInfo)
    assert info.require("users.manage") == auth


@pytest.mark.parametrize("tamper", ["no signature", "another key", "roles raised", "other agency", "not a string"])
def test_a_context_is_believed_only_with_its_signature(tamper):
    """Whoever reaches RabbitMQ without the platform's key cannot call as someone."""
    genuine = signed_context(ctx("accountant"))
    data = json.loads(genuine[CONTEXT_KEY])
    context = {
        "no signature": {CONTEXT_KEY: genuine[CONTEXT_KEY]},
        "another key": {CONTEXT_KEY: genuine[CONTEXT_KEY],
                        SIGNATURE_KEY: signature(genuine[CONTEXT_KEY], b"k" * 32)},
        "roles raised": {**genuine, CONTEXT_KEY: json.dumps({**data, "roles": ["admin"]})},
        "other agency": {**genuine, CONTEXT_KEY: json.dumps({**data, "agency_id": "agency-2"})},
        "not a string": {**genuine, SIGNATURE_KEY: ["a"]},
    }[tamper]
    with pytest.raises(Unauthorized) as raised:
        RequestInfo(context).auth  # noqa: B018 - the property raises
    assert raised.value.code == "AUTH_CONTEXT_INVALID"
    assert RequestInfo(genuine).auth == ctx("accountant")


def test_a_process_without_a_proper_key_refuses_to_start(monkeypatch):
    import nameko

    monkeypatch.delenv("AUTH_CONTEXT_KEY", raising=False)
    for value in (None, "too-short"):
        with nameko.config.patch({"AUTH_CONTEXT_KEY": value}):
            with pytest.raises(RuntimeError, match="AUTH_CONTEXT_KEY"):
                Auth().setup()
    with nameko.config.patch({"AUTH_CONTEXT_KEY": "k" * 32}):
        Auth().setup()
        assert signing_key() == b"k" * 32


# --------------------------------------------------------------------------- tenant_filter

METADATA = MetaData()
THINGS = Table("things", METADATA, Column("id", Integer, primary_key=True), Column("agency_id", String),
               Column("name", String))


class Base(DeclarativeBase):
    pass


class Widget(Base):
    __tablename__ = "widgets"
    id = Column(Integer, primary_key=True)
    agency_id = Column(String)


def compiled(statement):
    return statement.compile(dialect=postgresql.dialect())


def test_tenant_filter_on_a_table_select():
    query = tenant_filter(select(THINGS).where(THINGS.c.name == "x"), THINGS.c, ctx("admin", agency_id="ag-42"))
    sql = compiled(query)
    text = str(sql)
    assert "WHERE things.name = %(name_1)s AND things.agency_id = %(agency_id_1)s" in text
    assert sql.params == {"name_1": "x", "agency_id_1": "ag-42"}


def test_tenant_filter_on_an_orm_model():
    sql = compiled(tenant_filter(select(Widget), Widget, ctx("client", agency_id="ag-7")))
    assert "WHERE widgets.agency_id = %(agency_id_1)s" in str(sql)
    assert sql.params == {"agency_id_1": "ag-7"}


def test_tenant_filter_on_update_and_delete():
    auth = ctx("admin", agency_id="ag-1")
    upd = compiled(tenant_filter(update(THINGS).values(name="y"), THINGS.c, auth))
    assert "UPDATE things SET name=%(name)s WHERE things.agency_id = %(agency_id_1)s" in str(upd)
    assert upd.params["agency_id_1"] == "ag-1"
    dele = compiled(tenant_filter(delete(THINGS), THINGS.c, auth))
    assert str(dele) == "DELETE FROM things WHERE things.agency_id = %(agency_id_1)s"
    assert dele.params == {"agency_id_1": "ag-1"}


def test_tenant_filter_value_is_a_bound_parameter_not_sql():
    evil = "x' OR '1'='1"
    sql = compiled(tenant_filter(select(THINGS), THINGS.c, ctx(agency_id=evil)))
    assert evil not in str(sql)
    assert sql.params == {"agency_id_1": evil}


def test_the_auth_dependency_checks_with_the_key_it_read_at_setup():
    import nameko

    auth = ctx("accountant")
    with nameko.config.patch({"AUTH_CONTEXT_KEY": "k" * 32}):
        provider = Auth()
        provider.setup()
    # the settings no longer matter: the key was read once, when the service started
    with nameko.config.patch({"AUTH_CONTEXT_KEY": "other" * 8}):
        good = types.SimpleNamespace(context_data=signed_context(auth, b"k" * 32))
        assert provider.get_dependency(good).auth == auth
        forged = types.SimpleNamespace(context_data=signed_context(auth, b"other" * 8))
        with pytest.raises(Unauthorized):
            provider.get_dependency(forged).auth  # noqa: B018 - the property raises
