"""The service enforces sign-in, permissions and tenancy itself: these calls go
straight to identity over RPC, with no gateway in front."""
import uuid

import pytest

from servicekit.errors import Forbidden, NotFound, Unauthorized

from .conftest import PASSWORD, anonymous_context, total_users, unique_email

SOME_USER = str(uuid.uuid4())

# (method, args) for calls that need a signed-in user
SIGNED_IN_CALLS = [
    ("me", ()),
    ("my_sessions", ()),
    ("my_logins", ({},)),
    ("logout", ({},)),
    ("change_password", ({"current_password": PASSWORD, "new_password": PASSWORD + "!"},)),
    ("mfa_enrol", ()),
    ("get_agency", ()),
    ("update_agency", ({"name": "改名财税"},)),
    ("list_users", ({},)),
    ("create_user", ({"name": "匿名", "email": "anon@example.cn", "password": PASSWORD, "roles": ["admin"]},)),
    ("get_user", (SOME_USER,)),
    ("update_user", (SOME_USER, {"name": "x"})),
    ("revoke_user_sessions", (SOME_USER,)),
    ("user_logins", (SOME_USER, {})),
    ("audit_log", ({},)),
    ("verify_audit_chain", ()),
]


@pytest.mark.parametrize("method,args", SIGNED_IN_CALLS, ids=[m for m, _ in SIGNED_IN_CALLS])
def test_no_auth_context_is_unauthorized(rpc, method, args):
    with pytest.raises(Unauthorized) as err:
        rpc.identity(method, *args, context=anonymous_context())
    assert err.value.code == "UNAUTHENTICATED"
    assert err.value.status == 401


def test_no_context_data_at_all_is_unauthorized(rpc):
    with pytest.raises(Unauthorized):
        rpc.identity("list_users", {})
    with pytest.raises(Unauthorized):  # an empty auth value is no sign-in either
        rpc.identity("list_users", {}, context=anonymous_context(auth=""))


def test_anonymous_create_user_writes_nothing(rpc, agency_a):
    email = unique_email("ghost")
    with pytest.raises(Unauthorized):
        rpc.identity("create_user", {"name": "幽灵", "email": email, "password": PASSWORD, "roles": ["admin"]},
                 context=anonymous_context())
    found = rpc.identity("list_users", {"q": email}, context=agency_a.admin.context())
    assert found["total"] == 0


@pytest.mark.parametrize("who", ["accountant", "assistant"])
def test_staff_cannot_manage_users_or_read_the_audit_log(rpc, agency_a, who):
    actor = getattr(agency_a, who)
    before = total_users(rpc, agency_a.admin)
    target = agency_a.accountant.id if who == "assistant" else agency_a.assistant.id
    refused = [
        ("create_user", {"name": "新人", "email": unique_email("new"), "password": PASSWORD,
                         "roles": ["admin"]}),
        ("update_user", target, {"roles": ["admin"]}),
        ("update_user", actor.id, {"roles": ["admin"]}),  # not even themselves
        ("audit_log", {}),
        ("verify_audit_chain",),
        ("list_users", {}),
        ("get_user", target),
        ("revoke_user_sessions", target),
        ("user_logins", target, {}),
        ("update_agency", {"name": "篡改财税"}),
    ]
    for method, *args in refused:
        with pytest.raises(Forbidden) as err:
            rpc.identity(method, *args, context=actor.context())
        assert err.value.code == "FORBIDDEN", method
        assert err.value.status == 403, method

    # nothing was written
    assert total_users(rpc, agency_a.admin) == before
    for user_id in (target, actor.id):
        assert rpc.identity("get_user", user_id, context=agency_a.admin.context())["roles"] != ["admin"]
    assert rpc.identity("get_agency", context=actor.context())["name"] == "西安甲财税"


@pytest.mark.parametrize("who", ["accountant", "assistant"])
def test_staff_can_still_read_themselves_and_their_agency(rpc, agency_a, who):
    actor = getattr(agency_a, who)
    me = rpc.identity("me", context=actor.context())
    assert me["id"] == actor.id and me["roles"] == [who]
    assert "users.manage" not in me["permissions"]
    assert rpc.identity("get_agency", context=actor.context())["id"] == agency_a.id


def test_admin_of_another_agency_gets_not_found(rpc, identity, agency_a, agency_b):
    admin_a = agency_a.admin
    victim = identity.create_user(agency_b.admin, ["accountant"], name="郑会计")

    for method, *args in [
        ("get_user", victim["id"]),
        ("update_user", victim["id"], {"name": "被改名", "roles": ["admin"], "disabled": True}),
        ("revoke_user_sessions", victim["id"]),
        ("user_logins", victim["id"], {}),
        ("get_user", agency_b.admin.id),
    ]:
        with pytest.raises(NotFound) as err:
            rpc.identity(method, *args, context=admin_a.context())
        assert err.value.code == "USER_NOT_FOUND", method
        assert err.value.status == 404

    # unchanged, as agency B's admin sees it
    seen = rpc.identity("get_user", victim["id"], context=agency_b.admin.context())
    assert (seen["name"], seen["roles"], seen["disabled"]) == ("郑会计", ["accountant"], False)


def test_a_well_formed_but_unknown_user_id_is_not_found(rpc, agency_a):
    for user_id in (SOME_USER, "not-a-uuid", ""):
        with pytest.raises(NotFound) as err:
            rpc.identity("get_user", user_id, context=agency_a.admin.context())
        assert err.value.code == "USER_NOT_FOUND"


def test_list_users_returns_only_the_callers_agency(rpc, agency_a, agency_b):
    listed_a = rpc.identity("list_users", {"page_size": 200}, context=agency_a.admin.context())
    listed_b = rpc.identity("list_users", {"page_size": 200}, context=agency_b.admin.context())
    ids_a = {u["id"] for u in listed_a["items"]}
    ids_b = {u["id"] for u in listed_b["items"]}
    assert {agency_a.admin.id, agency_a.accountant.id, agency_a.assistant.id} <= ids_a
    assert {agency_b.admin.id, agency_b.accountant.id, agency_b.assistant.id} <= ids_b
    assert not ids_a & ids_b
    assert {u["agency_id"] for u in listed_a["items"]} == {agency_a.id}
    assert {u["agency_id"] for u in listed_b["items"]} == {agency_b.id}
    assert listed_a["total"] == len(listed_a["items"])

    # searching for another agency's user by email finds nothing
    found = rpc.identity("list_users", {"q": agency_b.accountant.email}, context=agency_a.admin.context())
    assert found == {"items": [], "total": 0, "page": 1, "page_size": 50}


def test_created_users_belong_to_the_callers_agency(rpc, identity, agency_a, agency_b):
    """A tenant id never comes from the payload: there is no field for it."""
    user = identity.create_user(agency_a.admin, ["assistant"], name="冯出纳")
    assert user["agency_id"] == agency_a.id
    with pytest.raises(NotFound):
        rpc.identity("get_user", user["id"], context=agency_b.admin.context())


def test_supervisor_reads_users_but_cannot_manage_them(rpc, identity, agency_a):
    supervisor = identity.add_staff(agency_a.admin, ["supervisor"], name="陈主管")
    listed = rpc.identity("list_users", {}, context=supervisor.context())
    assert supervisor.id in {u["id"] for u in listed["items"]}
    assert rpc.identity("get_user", agency_a.accountant.id, context=supervisor.context())["id"] == agency_a.accountant.id
    with pytest.raises(Forbidden):
        rpc.identity("update_user", agency_a.accountant.id, {"name": "x"}, context=supervisor.context())
    with pytest.raises(Forbidden):
        rpc.identity("audit_log", {}, context=supervisor.context())
