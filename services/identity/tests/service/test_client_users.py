"""A client user's company (client_id) must be a client of the admin's own agency:
identity asks the clients service, as the admin, before it writes anything."""
import uuid

import pytest

from services.clients.domain.credit_code import with_check_character
from servicekit.errors import ValidationFailed

from .conftest import PASSWORD, total_users, unique_email


def new_client(rpc, admin):
    """A client company of the admin's agency, made through the clients service."""
    body = "".join("0123456789ABCDEFGHJKLMNPQRTUWXY"[b % 31] for b in uuid.uuid4().bytes[:9])
    return rpc.clients("create_client", {"name": f"西安{uuid.uuid4().hex[:6]}科技有限公司",
                                         "credit_code": with_check_character("91610100" + body),
                                         "taxpayer_type": "small_scale"}, context=admin.context())


def client_user(client_id):
    return {"name": "客户出纳", "email": unique_email("client"), "password": PASSWORD, "roles": ["client"],
            "client_id": client_id}


def assert_client_refused(err):
    assert err.value.status == 400
    assert err.value.code == "CLIENT_NOT_FOUND"
    assert "client_id" in err.value.details["fields"]


@pytest.fixture(scope="module")
def clients_of(rpc, agency_a, agency_b):
    return {"a": new_client(rpc, agency_a.admin)["id"], "b": new_client(rpc, agency_b.admin)["id"]}


def test_a_client_of_the_admins_agency_is_accepted(rpc, agency_a, clients_of):
    user = rpc.identity("create_user", client_user(clients_of["a"]), context=agency_a.admin.context())
    assert (user["roles"], user["client_id"]) == (["client"], clients_of["a"])


@pytest.mark.parametrize("whose", ["other agency", "nonexistent"])
def test_create_user_refuses_a_client_the_agency_does_not_have(rpc, agency_a, clients_of, whose):
    client_id = clients_of["b"] if whose == "other agency" else str(uuid.uuid4())
    before = total_users(rpc, agency_a.admin)
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("create_user", client_user(client_id), context=agency_a.admin.context())
    assert_client_refused(err)
    assert total_users(rpc, agency_a.admin) == before


@pytest.mark.parametrize("whose", ["other agency", "nonexistent"])
def test_update_user_refuses_a_client_the_agency_does_not_have(rpc, agency_a, clients_of, whose):
    user = rpc.identity("create_user", client_user(clients_of["a"]), context=agency_a.admin.context())
    client_id = clients_of["b"] if whose == "other agency" else str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("update_user", user["id"], {"client_id": client_id}, context=agency_a.admin.context())
    assert_client_refused(err)
    # a staff user made a client user, with another agency's company: refused too
    staff = rpc.identity("create_user", {"name": "员工出纳", "email": unique_email("staff"), "password": PASSWORD,
                                         "roles": ["assistant"]}, context=agency_a.admin.context())
    with pytest.raises(ValidationFailed) as err:
        rpc.identity("update_user", staff["id"], {"roles": ["client"], "client_id": client_id},
                     context=agency_a.admin.context())
    assert_client_refused(err)
    for user_id, roles, client in ((user["id"], ["client"], clients_of["a"]), (staff["id"], ["assistant"], None)):
        seen = rpc.identity("get_user", user_id, context=agency_a.admin.context())
        assert (seen["roles"], seen["client_id"]) == (roles, client)


def test_update_user_accepts_another_client_of_the_agency(rpc, agency_a, clients_of):
    user = rpc.identity("create_user", client_user(clients_of["a"]), context=agency_a.admin.context())
    other = new_client(rpc, agency_a.admin)["id"]
    updated = rpc.identity("update_user", user["id"], {"client_id": other}, context=agency_a.admin.context())
    assert updated["client_id"] == other
