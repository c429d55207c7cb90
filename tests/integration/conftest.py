"""The integration suite runs the platform as real processes (one `nameko run`
per service, as in production) against real PostgreSQL and RabbitMQ, in its own
databases (suanpan_it_*) and RabbitMQ vhost, and talks to it over HTTP."""
import json
import os
import re
import uuid
from pathlib import Path

import pytest
import requests

from scripts.platform import Platform, drop_databases, ensure_vhost

# several runs can share one machine with their own vhost, databases and ports
TEST_AMQP = os.environ.get("TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/suanpan_test")
TEST_DB_PREFIX = os.environ.get("TEST_DB_PREFIX", "suanpan_it")
TEST_PORT_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "10000"))
TEST_PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
STRONG_PASSWORD = "Xian#Ledger2026"


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    ensure_vhost(TEST_AMQP)
    drop_databases(TEST_PG, TEST_DB_PREFIX)
    var = tmp_path_factory.mktemp("platform")
    plat = Platform(
        var_dir=var, db_prefix=TEST_DB_PREFIX, port_offset=TEST_PORT_OFFSET, amqp_uri=TEST_AMQP, postgres_url=TEST_PG,
        stream_logs=False,
        extra_env={
            "AUTH_RATE_LIMIT_PER_MINUTE": "1000",  # the rate-limit test uses its own IP and a low limit elsewhere
            "TRUSTED_PROXY_HOPS": "1",  # tests pose as different clients with X-Forwarded-For
            "RPC_TIMEOUT_SECONDS": "3",
            "LOG_LEVEL": "INFO",
        },
    )
    plat.migrate()
    plat.start_all(timeout=90)
    yield plat
    plat.stop_all()


class Api:
    """A tiny HTTP client for the gateway: JSON in and out, a bearer token, and
    its own client IP (X-Forwarded-For) so rate limits don't cross tests."""

    def __init__(self, base, token=None, ip=None):
        self.base = base
        self.token = token
        self.ip = ip or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        self.refresh_token = None
        self.user = None

    def request(self, method, path, json_body=None, headers=None, data=None, **kwargs):
        all_headers = {"X-Forwarded-For": self.ip, "User-Agent": "suanpan-tests/1.0"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        all_headers.update(headers or {})
        return requests.request(method, self.base + path, json=json_body, data=data, headers=all_headers,
                                timeout=30, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body if body is not None else {}, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, login, password, **extra):
        resp = self.post("/api/v1/auth/login", {"login": login, "password": password, **extra})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        self.token, self.refresh_token = body.get("access_token"), body.get("refresh_token")
        return body

    def as_anonymous(self):
        return Api(self.base, ip=self.ip)


def read_codes(platform, to):
    """The one-time codes sent to `to`, oldest first, from the dev outbox file."""
    path = Path(platform.dev_outbox())
    if not path.exists():
        return []
    codes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        message = json.loads(line)
        found = re.search(r"验证码是 (\d{6})", message["body"]) if message["to"] == to else None
        if found:
            codes.append(found.group(1))
    return codes


@pytest.fixture
def gateway_url(platform):
    return platform.url("gateway") + ""


@pytest.fixture
def anon(gateway_url):
    return Api(gateway_url)


def unique_email(prefix="user"):
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.cn"


def unique_phone():
    return "139" + f"{uuid.uuid4().int % 10**8:08d}"


def register_agency(platform, api, name="西安测试财税", email=None, password=STRONG_PASSWORD):
    """Register an agency through the API, confirm with the emailed code, sign in
    as its admin; returns a signed-in Api."""
    email = email or unique_email("admin")
    resp = api.post("/api/v1/agencies", {"agency_name": name, "name": "王会计", "email": email,
                                         "password": password})
    assert resp.status_code == 202, resp.text
    registration_id = resp.json()["registration_id"]
    code = read_codes(platform, email)[-1]
    resp = api.post("/api/v1/auth/verify", {"registration_id": registration_id, "code": code})
    assert resp.status_code == 201, resp.text
    admin = Api(api.base)
    admin.login(email, password)
    admin.user = resp.json()["user"]
    admin.agency = resp.json()["agency"]
    admin.email = email
    return admin


def create_user(admin, roles, password=STRONG_PASSWORD, **fields):
    email = fields.pop("email", None) or unique_email(roles[0])
    resp = admin.post("/api/v1/users", {"name": fields.pop("name", "李会计"), "email": email,
                                        "password": password, "roles": roles, **fields})
    assert resp.status_code == 201, resp.text
    user = resp.json()
    signed_in = Api(admin.base)
    signed_in.login(email, password)
    signed_in.user = user
    signed_in.email = email
    return signed_in


@pytest.fixture
def agency_admin(platform, anon):
    return register_agency(platform, anon)


def assert_error(resp, status, code=None):
    assert resp.status_code == status, f"{resp.status_code} {resp.text}"
    body = resp.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"]), body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]
