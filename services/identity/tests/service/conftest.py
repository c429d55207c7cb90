"""identity over real RPC: the service runs as a real `nameko run` process against
real PostgreSQL and RabbitMQ, and the tests call it directly over nameko RPC with
a standalone ClusterRpcClient, WITHOUT the gateway. They prove that the service
itself enforces permissions, tenancy and input validation, publishes its events
and keeps its audit chain, whoever the RPC caller is.

The clients service runs beside it: identity asks clients whether a client user's
company is a client of the caller's agency.

Everything runs in its own RabbitMQ vhost (suanpan_svc_test), its own databases
(suanpan_svctest_*) and its own HTTP ports (port offset 11000), so it never
touches `make run` or the integration suite (IDENTITY_SVC_TEST_AMQP_URI,
IDENTITY_SVC_TEST_DB_PREFIX and IDENTITY_SVC_TEST_PORT_OFFSET move it elsewhere).

Trust boundary. A service believes the auth context it finds in nameko context
data only when it carries a valid signature (servicekit/auth.py: HMAC with
AUTH_CONTEXT_KEY, which only the platform's processes hold). The tests sign the
contexts they send with the same key (tests/support/staff.py), built from the
claims of real, verified access tokens. What a service must also do is survive a
context it cannot read (malformed JSON): answer with an error and keep serving
(see test_context.py).
"""
import os
import uuid
from dataclasses import dataclass

import pytest
import requests
from kombu import Connection, Queue

import servicekit.errors  # noqa: F401 - registers the AppError classes, so RPC errors arrive typed
from scripts.platform import Platform, drop_databases, ensure_vhost
from servicekit.tokens import TokenVerifier
from tests.support import staff
from tests.support.bus import Rpc, event_taps
from tests.support.staff import PASSWORD, People, anonymous_context, make_agency, read_codes, unique_email  # noqa: F401

SVC_AMQP = os.environ.get("IDENTITY_SVC_TEST_AMQP_URI",
                          os.environ.get("SVC_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/suanpan_svc_test"))
SVC_PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RABBIT_API = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
DB_PREFIX = os.environ.get("IDENTITY_SVC_TEST_DB_PREFIX", "suanpan_svctest")
PORT_OFFSET = int(os.environ.get("IDENTITY_SVC_TEST_PORT_OFFSET", "11000"))
RPC_TIMEOUT = 15
EVENTS_EXCHANGE = "identity.events"
STARTED = ("identity", "clients")


def vhost_of(uri):
    from urllib.parse import unquote, urlparse

    path = urlparse(uri).path
    return unquote(path[1:]) if path not in ("", "/") else "/"


# -- the service processes -------------------------------------------------------------
@pytest.fixture(scope="session")
def identity_platform(tmp_path_factory):
    ensure_vhost(SVC_AMQP)
    drop_databases(SVC_PG, DB_PREFIX)
    plat = Platform(
        var_dir=tmp_path_factory.mktemp("svc-platform"), db_prefix=DB_PREFIX, port_offset=PORT_OFFSET,
        amqp_uri=SVC_AMQP, postgres_url=SVC_PG, stream_logs=False,
        extra_env={"LOG_LEVEL": "INFO", "OUTBOX_POLL_INTERVAL": "0.1"},
    )
    plat.migrate()
    started = []
    try:
        for name in STARTED:
            plat.start(name)
            started.append(name)
        for name in started:
            plat.wait_ready(name, timeout=60)
    except Exception:
        for name in reversed(started):
            plat.stop(name)
        raise
    yield plat
    for name in reversed(STARTED):
        plat.stop(name)


def restart_identity(plat):
    """Bring a dead (or live) identity back. Messages left on its RPC queue (say,
    the one that killed it) are purged first, or the new process would take them
    again."""
    plat.stop("identity")
    with Connection(SVC_AMQP) as conn:
        try:
            Queue("rpc-identity", channel=conn.channel()).purge()
        except Exception:  # noqa: BLE001 - no queue, nothing to purge
            pass
    plat.start("identity")
    plat.wait_ready("identity", timeout=60)


# -- calling it over RPC ------------------------------------------------------------------
@pytest.fixture(scope="session")
def rpc(identity_platform):
    return Rpc(SVC_AMQP, timeout=RPC_TIMEOUT)


def unique_phone():
    return "139" + f"{uuid.uuid4().int % 10**8:08d}"


@dataclass
class Actor(staff.Actor):
    """A signed-in user (tests/support/staff.py) with what identity's own tests look
    at besides: the login they signed in with and the tokens they got."""
    email: str = None
    tokens: dict = None


class Identity(People):
    """Scenario helpers on top of Rpc: register an agency, sign in, add staff."""

    def login(self, email, user=None):
        tokens = self.rpc.identity("login", {"login": email, "password": PASSWORD}, context=self._anonymous())
        return Actor(user=user, claims=self.verifier.verify_access(tokens["access_token"]),
                     user_agent=self.user_agent, email=email, tokens=tokens)

    def create_user(self, admin, roles, name="李会计", **fields):
        """A user, not signed in: the reply of create_user."""
        return self.rpc.identity("create_user", {"name": name, "email": fields.pop("email", None) or unique_email(roles[0]),
                                                 "password": PASSWORD, "roles": roles, **fields},
                                 context=admin.context())

    def add_staff(self, admin, roles, name="李会计", **fields):
        """A user, signed in."""
        user = self.create_user(admin, roles, name, **fields)
        return self.login(user["email"], user=user)


@pytest.fixture(scope="session")
def verifier(rpc):
    return TokenVerifier(rpc.identity("public_auth_state")["jwks"])


@pytest.fixture(scope="session")
def identity(identity_platform, rpc, verifier):
    return Identity(identity_platform, rpc, verifier)


@pytest.fixture(scope="session")
def agency_a(identity):
    return make_agency(identity, "西安甲财税")


@pytest.fixture(scope="session")
def agency_b(identity):
    return make_agency(identity, "咸阳乙财税")


def total_users(rpc, admin):
    return rpc.identity("list_users", {"page_size": 1}, context=admin.context())["total"]


# -- listening to identity's events --------------------------------------------------------
@pytest.fixture
def event_tap(identity_platform):
    with event_taps(SVC_AMQP, EVENTS_EXCHANGE) as open_tap:
        yield open_tap


def rabbit_api(path):
    from urllib.parse import quote

    resp = requests.get(f"{RABBIT_API}/api/{path.format(vhost=quote(vhost_of(SVC_AMQP), safe=''))}",
                        auth=("guest", "guest"), timeout=5)
    resp.raise_for_status()
    return resp.json()
