"""identity over real RPC: the service runs as a real `nameko run` process against
real PostgreSQL and RabbitMQ, and the tests call it directly over nameko RPC with
a standalone ClusterRpcClient, WITHOUT the gateway. They prove that the service
itself enforces permissions, tenancy and input validation, publishes its events
and keeps its audit chain, whoever the RPC caller is.

Everything runs in its own RabbitMQ vhost (suanpan_svc_test), its own databases
(suanpan_svctest_*) and its own HTTP ports (port offset 11000), so it never
touches `make run` or the integration suite.

Trust boundary. A service believes the auth context it finds in nameko context
data (key "auth", a JSON string the gateway writes after verifying the access
token). Anyone who can publish to the broker could write any context (name any
role, any agency), and no service can tell: nameko context data is not signed.
So the boundary is access to RabbitMQ itself: only the gateway and the services
may publish to the RPC exchange, and the NetworkPolicy `rabbitmq-from-apps` in
deploy/k8s/base/common/networkpolicy.yaml only lets pods labelled
app.kubernetes.io/component in (gateway, service) reach the broker's port 5672.
(Outside integrators who subscribe to events need broker users that can read
their own queues but not write to the `nameko-rpc` exchange.) These tests
therefore do NOT treat a forged context (an auth JSON naming a role the user
does not have) as something the service must refuse. What a service must do is survive a context it cannot read (malformed
JSON): answer with an error and keep serving (see test_context.py).
"""
import json
import os
import re
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from kombu import Connection, Consumer, Exchange, Queue, binding
from nameko.standalone.rpc import ClusterRpcClient

import servicekit.errors  # noqa: F401 - registers the AppError classes, so RPC errors arrive typed
from scripts.platform import Platform, drop_databases, ensure_vhost
from servicekit.tokens import TokenVerifier
from servicekit.auth import AuthContext, signed_context

SVC_AMQP = os.environ.get("SVC_TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/suanpan_svc_test")
SVC_PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RABBIT_API = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
DB_PREFIX = "suanpan_svctest"
PORT_OFFSET = 11000
PASSWORD = "Xian#Ledger2026"
RPC_TIMEOUT = 15
EVENTS_EXCHANGE = "identity.events"


def vhost_of(uri):
    from urllib.parse import unquote, urlparse

    path = urlparse(uri).path
    return unquote(path[1:]) if path not in ("", "/") else "/"


# -- the service process ---------------------------------------------------------
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
    plat.start("identity")
    try:
        plat.wait_ready("identity", timeout=60)
    except Exception:
        plat.stop("identity")
        raise
    yield plat
    plat.stop("identity")


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


# -- calling it over RPC ------------------------------------------------------------
class Rpc:
    """Calls identity over nameko RPC with the given context data (a fresh
    standalone client per call: its context data is fixed when it is built)."""

    def __init__(self, uri=SVC_AMQP):
        self.uri = uri

    @contextmanager
    def client(self, context=None, timeout=RPC_TIMEOUT):
        rpc_client = ClusterRpcClient(context_data=dict(context or {}), timeout=timeout, uri=self.uri)
        proxy = rpc_client.start()
        try:
            yield proxy.identity
        finally:
            rpc_client.stop()

    def call(self, method, *args, context=None, timeout=RPC_TIMEOUT):
        with self.client(context, timeout) as identity:
            return getattr(identity, method)(*args)


@pytest.fixture(scope="session")
def rpc(identity_platform):
    return Rpc()


def anonymous_context(**extra):
    """What the gateway sends for a caller who is not signed in."""
    return {"client_ip": "10.20.30.40", "client_user_agent": "svc-tests/1.0", **extra}


def read_codes(plat, to):
    """The six-digit codes sent to `to`, oldest first (dev outbox, JSON lines)."""
    path = Path(plat.dev_outbox())
    if not path.exists():
        return []
    codes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        message = json.loads(line)
        if message["to"] == to:
            codes.append(re.search(r"\b(\d{6})\b", message["body"]).group(1))
    return codes


def unique_email(prefix="user"):
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.cn"


def unique_phone():
    return "139" + f"{uuid.uuid4().int % 10**8:08d}"


@dataclass
class Actor:
    """A signed-in user: who they are (the login reply's claims) and the context
    data the gateway would send for them."""
    user: dict
    email: str
    password: str
    tokens: dict
    claims: dict
    extra: dict = field(default_factory=dict)

    @property
    def id(self):
        return self.claims["sub"]

    @property
    def agency_id(self):
        return self.claims["agency"]

    @property
    def auth(self):
        return AuthContext(agency_id=self.claims["agency"], user_id=self.claims["sub"],
                           roles=tuple(self.claims["roles"]), session_id=self.claims["sid"],
                           client_id=self.claims.get("client_id"))

    def context(self, **extra):
        return anonymous_context(**signed_context(self.auth), **extra)


class Identity:
    """Scenario helpers on top of Rpc: register an agency, sign in, add staff."""

    def __init__(self, plat, rpc_, verifier):
        self.platform = plat
        self.rpc = rpc_
        self.verifier = verifier

    def login(self, email, password=PASSWORD, user=None):
        tokens = self.rpc.call("login", {"login": email, "password": password}, context=anonymous_context())
        claims = self.verifier.verify_access(tokens["access_token"])
        return Actor(user=user, email=email, password=password, tokens=tokens, claims=claims)

    def register_agency(self, agency_name="西安测试财税", name="王会计", email=None):
        email = email or unique_email("admin")
        sent = self.rpc.call("register_agency", {"agency_name": agency_name, "name": name, "email": email,
                                                 "password": PASSWORD}, context=anonymous_context())
        code = read_codes(self.platform, email)[-1]
        done = self.rpc.call("verify_registration", {"registration_id": sent["registration_id"], "code": code},
                             context=anonymous_context())
        admin = self.login(email, user=done["user"])
        admin.extra.update(agency=done["agency"], registration=sent)
        return admin

    def create_user(self, admin, roles, name="李会计", **fields):
        email = fields.pop("email", None) or unique_email(roles[0])
        return self.rpc.call("create_user", {"name": name, "email": email, "password": PASSWORD, "roles": roles,
                                             **fields}, context=admin.context())

    def add_staff(self, admin, roles, **fields):
        """Create a user and sign them in."""
        user = self.create_user(admin, roles, **fields)
        return self.login(user["email"], user=user)


@pytest.fixture(scope="session")
def verifier(rpc):
    return TokenVerifier(rpc.call("public_auth_state")["jwks"])


@pytest.fixture(scope="session")
def identity(identity_platform, rpc, verifier):
    return Identity(identity_platform, rpc, verifier)


@dataclass
class Agency:
    admin: Actor
    accountant: Actor
    assistant: Actor

    @property
    def id(self):
        return self.admin.agency_id


@pytest.fixture(scope="session")
def agency_a(identity):
    admin = identity.register_agency("西安甲财税")
    return Agency(admin, identity.add_staff(admin, ["accountant"], name="张会计"),
                  identity.add_staff(admin, ["assistant"], name="赵出纳"))


@pytest.fixture(scope="session")
def agency_b(identity):
    admin = identity.register_agency("咸阳乙财税")
    return Agency(admin, identity.add_staff(admin, ["accountant"], name="钱会计"),
                  identity.add_staff(admin, ["assistant"], name="孙出纳"))


def total_users(rpc, admin):
    return rpc.call("list_users", {"page_size": 1}, context=admin.context())["total"]


# -- listening to identity's events ----------------------------------------------------
class EventTap:
    """A plain kombu consumer on identity.events: an exclusive, auto-delete queue
    bound to the given routing keys, declared before the calls under test."""

    def __init__(self, uri, routing_keys):
        self.conn = Connection(uri)
        self.conn.ensure_connection(max_retries=3)
        self.channel = self.conn.channel()
        exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)
        exchange(self.channel).declare()  # same attributes as the relay's: idempotent
        self.queue = Queue(f"svc-test-tap-{uuid.uuid4().hex}", exchange=exchange,
                           bindings=[binding(exchange, routing_key=key) for key in routing_keys],
                           exclusive=True, auto_delete=True)
        self.messages = []
        self.consumer = Consumer(self.channel, queues=[self.queue], callbacks=[self._received],
                                 accept=["json"], no_ack=True)
        self.consumer.consume()

    def _received(self, body, message):
        self.messages.append({"body": body, "routing_key": message.delivery_info.get("routing_key"),
                              "exchange": message.delivery_info.get("exchange"),
                              "properties": dict(message.properties), "headers": dict(message.headers or {}),
                              "content_type": message.content_type, "raw": message.body})

    def wait_for(self, predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages:
                if predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event within {timeout}s; got {[m['body'] for m in self.messages]}")
            try:
                self.conn.drain_events(timeout=min(remaining, 0.5))
            except socket.timeout:
                pass

    def drain(self, seconds=0.5):
        """Collect whatever arrives within `seconds`."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self.conn.drain_events(timeout=remaining)
            except socket.timeout:
                break
        return self.messages

    def close(self):
        try:
            self.consumer.cancel()
        finally:
            self.conn.release()


@pytest.fixture
def event_tap(identity_platform):
    taps = []

    def open_tap(*routing_keys):
        tap = EventTap(SVC_AMQP, routing_keys or ("#",))
        taps.append(tap)
        return tap

    yield open_tap
    for tap in taps:
        tap.close()


def rabbit_api(path):
    from urllib.parse import quote

    resp = requests.get(f"{RABBIT_API}/api/{path.format(vhost=quote(vhost_of(SVC_AMQP), safe=''))}",
                        auth=("guest", "guest"), timeout=5)
    resp.raise_for_status()
    return resp.json()
