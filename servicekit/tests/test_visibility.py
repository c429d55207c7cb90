"""The visibility rule, without a database."""
import uuid

from servicekit.auth import AuthContext
from servicekit.visibility import may_see, scope_of

AGENCY = str(uuid.uuid4())
CLIENT = str(uuid.uuid4())


def ctx(*roles, client_id=None):
    return AuthContext(agency_id=AGENCY, user_id=str(uuid.uuid4()), roles=roles, client_id=client_id)


def test_admins_and_supervisors_see_every_client_without_asking_for_assignments():
    def never():
        raise AssertionError("assignments were looked up")
    assert may_see(ctx("admin"), CLIENT, never)
    assert may_see(ctx("supervisor"), CLIENT, never)
    assert scope_of(ctx("supervisor")).all


def test_accountants_and_assistants_see_what_they_are_assigned_to():
    for role in ("accountant", "assistant"):
        assert may_see(ctx(role), CLIENT, True)
        assert not may_see(ctx(role), CLIENT, False)
        assert may_see(ctx(role), CLIENT, lambda: True)
        assert scope_of(ctx(role)).needs_assignments


def test_a_client_user_sees_only_their_own_company():
    assert may_see(ctx("client", client_id=CLIENT), CLIENT.upper(), False)
    assert not may_see(ctx("client", client_id=CLIENT), str(uuid.uuid4()), True)
    assert scope_of(ctx("client", client_id="not-a-uuid")).nothing


def test_the_widest_role_wins_and_no_role_sees_nothing():
    assert may_see(ctx("client", "supervisor", client_id=str(uuid.uuid4())), CLIENT, False)
    assert not may_see(ctx(), CLIENT, True)
    assert scope_of(ctx("cashier")).nothing
