"""ledger over real RPC: identity, clients and ledger run as real `nameko run`
processes against real PostgreSQL and RabbitMQ, and the tests call them directly
with a standalone ClusterRpcClient, WITHOUT the gateway. They prove that the ledger
service itself enforces permissions, visibility and tenancy, validates its input,
keeps its books balanced and publishes its events as docs/events.md says.

Own RabbitMQ vhost, own databases, own HTTP ports, read from the environment so
that several suites can share this conftest and run at the same time:

    LEDGER_SVC_TEST_AMQP_URI     amqp://guest:guest@127.0.0.1:5672/suanpan_ledger_svc
    LEDGER_SVC_TEST_DB_PREFIX    suanpan_ledger_svc   (databases <prefix>_identity, _clients, _ledger)
    LEDGER_SVC_TEST_PORT_OFFSET  13000                (HTTP ports 8001+offset …)
    TEST_POSTGRES_URL            postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Fixtures (all general, reuse them):
    ledger_platform   session: the three processes, migrated fresh databases
    ledger_db         session: a SQLAlchemy engine on the ledger database (to look, never to write)
    rpc               session: rpc.identity/clients/ledger(method, *args, context=...)
    people            session: makes agencies and staff through identity RPC, logs them in
    agency_a/agency_b session: Agency(admin, supervisor, accountant, other_accountant, assistant)
    new_client        function: new_client(actor, **changes) -> the client (clients RPC)
    new_book          function: new_book(actor, **payload) -> (client, book) via create_client + create_book
    event_tap         function: event_tap(*routing_keys) -> tests.support.bus.EventTap on ledger.events

As in the other service tests, the auth context in context data is trusted (the
broker is the trust boundary); identity issues real tokens here and the contexts
are built from their verified claims."""
import os
import uuid

import pytest
from sqlalchemy import create_engine

import servicekit.errors  # noqa: F401 - registers the AppError classes, so RPC errors arrive typed
from scripts.platform import Platform, drop_databases, ensure_vhost
from services.clients.domain.credit_code import with_check_character
from servicekit.tokens import TokenVerifier
from tests.support import staff
from tests.support.bus import Rpc, event_taps
from tests.support.staff import People, make_agency

AMQP = os.environ.get("LEDGER_SVC_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/suanpan_ledger_svc")
PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_PREFIX = os.environ.get("LEDGER_SVC_TEST_DB_PREFIX", "suanpan_ledger_svc")
PORT_OFFSET = int(os.environ.get("LEDGER_SVC_TEST_PORT_OFFSET", "13000"))
USER_AGENT = "ledger-svc-tests/1.0"
RPC_TIMEOUT = 60
EVENTS_EXCHANGE = "ledger.events"
SERVICES = ("identity", "clients", "ledger")


def pytest_configure(config):
    config.addinivalue_line("markers", "bulk: a big batch (its tens of thousands of events keep the outbox relay "
                                       "busy for minutes); runs after every other test")


def pytest_collection_modifyitems(session, config, items):
    # tests that wait for events must not queue behind a 10,000-voucher batch's events
    items.sort(key=lambda item: item.get_closest_marker("bulk") is not None)


@pytest.fixture(scope="session")
def ledger_platform(tmp_path_factory):
    ensure_vhost(AMQP)
    drop_databases(PG, DB_PREFIX)
    plat = Platform(var_dir=tmp_path_factory.mktemp("ledger-svc"), db_prefix=DB_PREFIX, port_offset=PORT_OFFSET,
                    amqp_uri=AMQP, postgres_url=PG, stream_logs=False,
                    extra_env={"LOG_LEVEL": "INFO", "OUTBOX_POLL_INTERVAL": "0.1", "IDENTITY_RPC_TIMEOUT_SECONDS": "3",
                               "CLIENTS_RPC_TIMEOUT_SECONDS": "5"})
    plat.migrate()
    started = []
    try:
        for name in SERVICES:
            plat.start(name)
            started.append(name)
        for name in started:
            plat.wait_ready(name, timeout=60)
    except Exception:
        for name in reversed(started):
            plat.stop(name)
        raise
    yield plat
    for name in reversed(SERVICES):
        plat.stop(name)


@pytest.fixture(scope="session")
def ledger_db(ledger_platform):
    engine = create_engine(ledger_platform.database_url("ledger"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def rpc(ledger_platform):
    return Rpc(AMQP, timeout=RPC_TIMEOUT)


def anonymous_context(**extra):
    return staff.anonymous_context(USER_AGENT, **extra)


@pytest.fixture(scope="session")
def people(ledger_platform, rpc):
    return People(ledger_platform, rpc, TokenVerifier(rpc.identity("public_auth_state")["jwks"]), USER_AGENT)


@pytest.fixture(scope="session")
def agency_a(people):
    return make_agency(people, "西安甲财税")


@pytest.fixture(scope="session")
def agency_b(people):
    return make_agency(people, "咸阳乙财税")


# -- test data -------------------------------------------------------------------------
def new_credit_code():
    """A fresh, valid credit code: 9 (市场监管) 1 (企业), Xi'an's division code, a random body."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(alphabet[b % 31] for b in uuid.uuid4().bytes[:9])
    return with_check_character("91610100" + body)


def client_payload(**changes):
    payload = {"name": f"西安{uuid.uuid4().hex[:6]}商贸有限公司", "credit_code": new_credit_code(),
               "taxpayer_type": "small_scale", "accounting_standard": "small_business_2013"}
    payload.update(changes)
    return payload


def book_payload(**changes):
    payload = {"standard": "small_business_2013", "start_period": "2026-01"}
    payload.update(changes)
    return payload


@pytest.fixture
def new_client(rpc):
    def make(actor, **changes):
        return rpc.clients("create_client", client_payload(**changes), context=actor.context())
    return make


@pytest.fixture
def assign(rpc):
    """assign(admin, client_id, role, staff): clients' own assignment (supervisor,
    accountant or assistant); clients publishes assignment_changed."""
    def make(admin, client_id, role, staff):
        return rpc.clients("assign", client_id, role, {"user_id": staff.id}, context=admin.context())
    return make


@pytest.fixture
def new_book(rpc, new_client, assign):
    """new_book(actor, staff=None, **book_payload) -> (client, book): a client made by
    `actor` (admin or supervisor) and its book, small business 2013 from 2026-01 by
    default. `staff`: {role: Actor} assigned to the client first (by `actor`)."""
    def make(actor, staff=None, **changes):
        client = new_client(actor)
        for role, person in (staff or {}).items():
            assign(actor, client["id"], role, person)
        book = rpc.ledger("create_book", client["id"], book_payload(**changes), context=actor.context())
        return client, book
    return make


def line(account, debit=None, credit=None, summary="摘要", **extra):
    result = {"summary": summary, "account": account, **extra}
    if debit is not None:
        result["debit"] = debit
    if credit is not None:
        result["credit"] = credit
    return result


def voucher_payload(day="2026-01-15", amount="100.00", debit="1001", credit="3001", **changes):
    """A simple two-line voucher: debit `debit`, credit `credit`, same amount."""
    payload = {"date": day, "lines": [line(debit, debit=amount, summary="收到投资款"),
                                      line(credit, credit=amount, summary="收到投资款")]}
    payload.update(changes)
    return payload


# -- listening to ledger.events -------------------------------------------------------
@pytest.fixture
def event_tap(ledger_platform):
    with event_taps(AMQP, EVENTS_EXCHANGE) as open_tap:
        yield open_tap
