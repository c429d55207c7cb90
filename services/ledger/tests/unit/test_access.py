"""Which clients' books a caller may touch (usecases/access.py over servicekit/visibility.py),
without a database: the projection's answer is given, the clients service is a stub."""
from types import SimpleNamespace

from servicekit.auth import AuthContext
from services.ledger.usecases.access import may_see_client

AGENCY, CLIENT, OTHER = ("aaaaaaaa-0000-0000-0000-000000000001", "cccccccc-0000-0000-0000-000000000001",
                         "cccccccc-0000-0000-0000-000000000002")
ME = "eeeeeeee-0000-0000-0000-000000000001"


class Clients:
    """The clients service's answer: whether the client exists for the caller."""

    def __init__(self, visible=()):
        self.visible, self.asked = set(visible), []

    def get_client(self, client_id):
        self.asked.append(client_id)
        return {"id": client_id} if client_id in self.visible else None


def call_of(roles, clients=None, client_id=None):
    auth = AuthContext(agency_id=AGENCY, user_id=ME, roles=tuple(roles), session_id="s", client_id=client_id)
    return SimpleNamespace(auth=auth, clients=clients or Clients(), session=None)


def test_admins_and_supervisors_see_every_client_of_their_agency_without_asking():
    for role in ("admin", "supervisor"):
        call = call_of([role])
        assert may_see_client(call, CLIENT, assigned=False)
        assert call.clients.asked == []


def test_an_accountant_sees_an_assigned_client_from_the_projection():
    call = call_of(["accountant"])
    assert may_see_client(call, CLIENT, assigned=True)
    assert call.clients.asked == []


def test_when_the_projection_says_no_the_clients_service_decides():
    call = call_of(["assistant"], Clients(visible=[CLIENT]))
    assert may_see_client(call, CLIENT, assigned=False)
    assert not may_see_client(call, OTHER, assigned=False)
    assert call.clients.asked == [CLIENT, OTHER]


def test_a_client_user_sees_only_their_own_company():
    call = call_of(["client"], client_id=CLIENT)
    assert may_see_client(call, CLIENT, assigned=False)
    assert not may_see_client(call, OTHER, assigned=False)
    assert call.clients.asked == []


def test_anyone_else_sees_nothing():
    call = call_of(["auditor"], Clients(visible=[CLIENT]))
    assert not may_see_client(call, CLIENT, assigned=True)
