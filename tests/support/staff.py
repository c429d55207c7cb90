"""Agencies and their staff for the service tests that call the services over real RPC
without the gateway (services/<name>/tests/service): made through identity's own RPC,
with auth contexts built from the claims of real, verified access tokens.

Each conftest makes `People(platform, rpc, verifier, user_agent=...)`; `rpc` needs an
`identity(method, *args, context=...)` method."""
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from servicekit.auth import AuthContext, signed_context

PASSWORD = "Xian#Ledger2026"
CLIENT_IP = "10.20.30.40"


def anonymous_context(user_agent="svc-tests/1.0", **extra):
    """Context data as the gateway sends it for a caller who is not signed in."""
    return {"client_ip": CLIENT_IP, "client_user_agent": user_agent, **extra}


def unique_email(prefix="user"):
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.cn"


def read_codes(plat, to):
    """The one-time codes identity sent to `to` (the dev outbox file), oldest first."""
    path = Path(plat.dev_outbox())
    codes = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        message = json.loads(line)
        if message["to"] == to:
            codes.append(re.search(r"\b(\d{6})\b", message["body"]).group(1))
    return codes


@dataclass
class Actor:
    user: dict
    claims: dict
    user_agent: str = "svc-tests/1.0"
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
        """Context data as the gateway sends it; extra e.g. idempotency_key="…"."""
        return anonymous_context(self.user_agent, **signed_context(self.auth), **extra)


class People:
    """Agencies and their staff, made through identity's own RPC."""

    def __init__(self, plat, rpc_, verifier, user_agent="svc-tests/1.0"):
        self.platform, self.rpc, self.verifier, self.user_agent = plat, rpc_, verifier, user_agent

    def _anonymous(self):
        return anonymous_context(self.user_agent)

    def login(self, email, user=None):
        tokens = self.rpc.identity("login", {"login": email, "password": PASSWORD}, context=self._anonymous())
        return Actor(user=user, claims=self.verifier.verify_access(tokens["access_token"]),
                     user_agent=self.user_agent)

    def register_agency(self, agency_name):
        email = unique_email("admin")
        sent = self.rpc.identity("register_agency", {"agency_name": agency_name, "name": "王管理", "email": email,
                                                     "password": PASSWORD}, context=self._anonymous())
        done = self.rpc.identity("verify_registration", {"registration_id": sent["registration_id"],
                                                         "code": read_codes(self.platform, email)[-1]},
                                 context=self._anonymous())
        return self.login(email, user=done["user"])

    def add(self, admin, roles, name="李会计", **fields):
        """A staff member (or, with roles=["client"] and client_id=…, a client user)."""
        user = self.rpc.identity("create_user", {"name": name, "email": unique_email(roles[0]), "password": PASSWORD,
                                                 "roles": roles, **fields}, context=admin.context())
        return self.login(user["email"], user=user)


@dataclass
class Agency:
    admin: Actor
    supervisor: Actor
    accountant: Actor
    other_accountant: Actor
    assistant: Actor

    @property
    def id(self):
        return self.admin.agency_id


def make_agency(people, name):
    """An agency with an admin, a supervisor, two accountants and an assistant."""
    admin = people.register_agency(name)
    return Agency(admin, people.add(admin, ["supervisor"], name="赵主管"), people.add(admin, ["accountant"], name="张会计"),
                  people.add(admin, ["accountant"], name="钱会计"), people.add(admin, ["assistant"], name="孙助理"))
