"""clients over real RPC: identity and clients run as real `nameko run` processes
against real PostgreSQL and RabbitMQ, and the tests call them directly over nameko
RPC (tests/support/bus.py), WITHOUT the gateway. They prove that the clients
service itself enforces permissions, visibility and tenancy, validates its input,
encrypts what it must and publishes its events as docs/events.md says.

Own RabbitMQ vhost (suanpan_cli_svc), own databases (suanpan_cli_svc_*), own HTTP
ports (offset 12000): it never touches `make run`, the integration suite or
identity's service tests. CLIENTS_SVC_TEST_AMQP_URI, CLIENTS_SVC_TEST_DB_PREFIX and
CLIENTS_SVC_TEST_PORT_OFFSET move it elsewhere (two runs at once on one machine).
Identity issues real tokens here, and the signed auth contexts are built from their
verified claims (tests/support/staff.py)."""
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

AMQP = os.environ.get("CLIENTS_SVC_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/suanpan_cli_svc")
PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_PREFIX = os.environ.get("CLIENTS_SVC_TEST_DB_PREFIX", "suanpan_cli_svc")
PORT_OFFSET = int(os.environ.get("CLIENTS_SVC_TEST_PORT_OFFSET", "12000"))
USER_AGENT = "clients-svc-tests/1.0"
RPC_TIMEOUT = 20
EVENTS_EXCHANGE = "clients.events"


@pytest.fixture(scope="session")
def clients_platform(tmp_path_factory):
    ensure_vhost(AMQP)
    drop_databases(PG, DB_PREFIX)
    plat = Platform(var_dir=tmp_path_factory.mktemp("clients-svc"), db_prefix=DB_PREFIX, port_offset=PORT_OFFSET,
                    amqp_uri=AMQP, postgres_url=PG, stream_logs=False,
                    extra_env={"LOG_LEVEL": "INFO", "OUTBOX_POLL_INTERVAL": "0.1", "IDENTITY_RPC_TIMEOUT_SECONDS": "3"})
    plat.migrate()
    started = []
    try:
        for name in ("identity", "clients"):
            plat.start(name)
            started.append(name)
        for name in started:
            plat.wait_ready(name, timeout=60)
    except Exception:
        for name in reversed(started):
            plat.stop(name)
        raise
    yield plat
    for name in ("clients", "identity"):
        plat.stop(name)


@pytest.fixture(scope="session")
def clients_db(clients_platform):
    engine = create_engine(clients_platform.database_url("clients"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def rpc(clients_platform):
    return Rpc(AMQP, timeout=RPC_TIMEOUT)


def anonymous_context(**extra):
    return staff.anonymous_context(USER_AGENT, **extra)


@pytest.fixture(scope="session")
def people(clients_platform, rpc):
    return People(clients_platform, rpc, TokenVerifier(rpc.identity("public_auth_state")["jwks"]), USER_AGENT)


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


def new_id_number():
    from services.clients.domain.id_number import with_check_character as id_check

    return id_check(f"610102{1960 + uuid.uuid4().int % 40}0{1 + uuid.uuid4().int % 9}1{uuid.uuid4().int % 10}"
                    f"{uuid.uuid4().int % 1000:03d}")


def new_account_number():
    return "6222" + f"{uuid.uuid4().int % 10**15:015d}"


def client_payload(**changes):
    payload = {
        "name": f"西安{uuid.uuid4().hex[:6]}科技有限公司", "short_name": "示例科技", "credit_code": new_credit_code(),
        "taxpayer_type": "small_scale", "small_low_profit": True, "industry": "软件和信息技术服务业",
        "location_class": "urban", "tax_authority": "国家税务总局西安市雁塔区税务局",
        "establishment_date": "2019-06-01", "registered_capital": "1000000.00",
        "legal_representative": {"name": "张三", "id_number": new_id_number()},
        "contacts": [{"name": "李四", "role": "财务", "mobile": "13800138000", "email": "lisi@example.cn"}],
        "bank_accounts": [{"bank": "中国工商银行", "branch": "西安高新支行", "account_number": new_account_number(),
                           "purpose": "基本户"}],
    }
    payload.update(changes)
    return payload


@pytest.fixture
def create(rpc):
    def make(actor, **changes):
        return rpc.clients("create_client", client_payload(**changes), context=actor.context())
    return make


# -- listening to clients.events -------------------------------------------------------
@pytest.fixture
def event_tap(clients_platform):
    with event_taps(AMQP, EVENTS_EXCHANGE) as open_tap:
        yield open_tap
