"""The property-based fuzzer over the served OpenAPI (issue 9): schemathesis reads
GET /api/v1/openapi.json from the running platform and sends generated requests to
every operation — valid and deliberately invalid data, once at the ids of real objects
so it reaches past the 404s and once at generated ids — with a real admin token. Half
of the cases then get one value of their body or query string swapped for what a
hostile user would send (NUL, a lone surrogate, bidi and zero-width characters,
full-width digits, amounts at the column's limit, a number where text goes, null…):
generated data alone seldom gets past the schema to where such values do harm. Any 5xx
fails the test with the request that caused it, ready to paste into a shell.

Bounded: FUZZ_SECONDS of generation and requests (90 by default; `make fuzz` runs longer),
shared between the operations, at most FUZZ_MAX_EXAMPLES per operation, and
deterministic: FUZZ_SEED picks the examples (change it to explore further)."""
import collections
import os
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from .conftest import STRONG_PASSWORD, Api, create_user, register_agency
from .test_clients_api import create_client
from .test_hostile_input import bank_body, cash_sale, contact_body, contract_body, ok, template_body
from .test_ledger_api import act

FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", "90"))
FUZZ_MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "200"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20260"))
FAILURES_SHOWN_PER_OPERATION = 3
# operations run in this order of methods: reads first, deletions last (they take the real objects away)
METHOD_ORDER = {"GET": 0, "PUT": 1, "PATCH": 2, "POST": 3, "DELETE": 4}

HOSTILE_TEXT = ["a\u0000b", "\u0000", "\u202e西安", "西\u200b安", "\u0007", "１００.００", "２０２６-01-20", "２０２６-01",
                " 100.00 ", "2026-1-5", "999999999999999999.99", "-999999999999999999.99", "1000000000000000000.00",
                "0.001", "1e308", "NaN", "-0", "", " ", "'; DROP TABLE clients; --", "%00", "x" * 5000]
HOSTILE_BODY_VALUES = HOSTILE_TEXT + ["a\ud800b", None, 100.5, 10 ** 30, -1, True, [], {}]


def leaves(value, path=()):
    """The paths to every scalar inside a JSON value (dict keys and list indexes)."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, path + (key,))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaves(item, path + (index,))]
    return [path] if path else []


def replace(container, path, value):
    for step in path[:-1]:
        container = container[step]
    container[path[-1]] = value


def make_hostile(case, data):
    """Swap one value of the body or the query string for a hostile one (or leave the case be)."""
    targets = []
    if isinstance(case.body, (dict, list)) and case.media_type == "application/json":  # uploads stay files
        targets += [("body", path) for path in leaves(case.body)]
    if isinstance(case.query, dict):
        targets += [("query", (name,)) for name in case.query]
    if not targets or not data.draw(st.booleans(), label="hostile"):
        return
    where, path = data.draw(st.sampled_from(targets), label="where")
    if where == "body":
        replace(case.body, path, data.draw(st.sampled_from(HOSTILE_BODY_VALUES), label="value"))
    else:
        case.query[path[0]] = data.draw(st.sampled_from(HOSTILE_TEXT), label="value")


class Caller:
    """Sends the generated cases as the fuzzing admin, and keeps that admin able to act:
    a case may end its own session (logout) or turn the agency's MFA policy on, which a
    hostile user may do but which would stop the fuzzer, not find a bug."""

    def __init__(self, base, admin, public_labels):
        self.base = base
        self.admin = admin
        self.public_labels = public_labels  # a 401 there is an answer, not a lost session
        self.session = requests.Session()
        self.statuses = collections.defaultdict(collections.Counter)  # operation -> status -> count
        self.failures = collections.defaultdict(list)  # operation -> ["status, curl, reply"]
        self.sign_ins = 0
        self.sent = 0

    def headers(self):
        return {"Authorization": f"Bearer {self.admin.token}", "X-Forwarded-For": self.admin.ip,
                "User-Agent": "suanpan-fuzz/1.0"}

    def send(self, case, label):
        self.sent += 1
        try:
            resp = case.call(base_url=self.base, session=self.session, headers=self.headers(), timeout=30)
            status, text = resp.status_code, resp.content[:500].decode("utf-8", "replace")  # downloads are binary
        except requests.RequestException as exc:
            status, text = "no answer", repr(exc)
        self.statuses[label][status] += 1
        if status == "no answer" or status >= 500:
            if len(self.failures[label]) < FAILURES_SHOWN_PER_OPERATION:
                self.failures[label].append(f"{status}\n    {case.as_curl_command(base_url=self.base)}\n"
                                            f"    -> {text}")
            return
        if status == 401 and label not in self.public_labels:
            self.sign_in_again()
        if label == "PATCH /api/v1/agency" and status == 200 and resp.json().get("mfa_required"):
            self.admin.patch("/api/v1/agency", {"mfa_required": False})

    def sign_in_again(self):
        fresh = Api(self.base)
        fresh.login(self.admin.email, STRONG_PASSWORD)
        self.admin.token = fresh.token
        self.sign_ins += 1


def real_objects(platform):
    """An agency of its own with one of everything, so generated requests at real ids reach
    the service's rules. The admin acts; the user whose id is fuzzed is another one."""
    admin = register_agency(platform, Api(platform.url("gateway")), name="模糊测试财税")
    client = create_client(admin)
    client_path = f"/api/v1/clients/{client['id']}"
    ok(admin.post(client_path + "/books", {"standard": "small_business_2013", "start_period": "2026-01",
                                           "allow_self_review": True}))
    contact = ok(admin.post(client_path + "/contacts", contact_body()))
    bank_account = ok(admin.post(client_path + "/bank-accounts", bank_body()))
    contract = ok(admin.post(client_path + "/contracts", contract_body()))
    ok(admin.post(client_path + "/accounts", {"parent_code": "1002", "name": "工商银行"}))
    aux_item = ok(admin.post(client_path + "/aux-items", {"kind": "customer", "code": "C001", "name": "客户甲"}))
    draft = ok(admin.post(client_path + "/vouchers", cash_sale()))
    posted = ok(admin.post(client_path + "/vouchers", cash_sale()))
    act(admin, client_path, posted["id"], "review")
    act(admin, client_path, posted["id"], "post")
    template = ok(admin.post(client_path + "/templates", template_body()))
    staff = create_user(admin, ["accountant"], name="被测会计")
    owner = create_user(admin, ["client"], name="韩老板", client_id=client["id"])
    feedback = ok(owner.post(client_path + "/feedback", {"kind": "complaint", "content": "发票寄晚了"}))
    job = ok(admin.post("/api/v1/batch-close", {"period": "2026-01", "client_ids": [client["id"]]}), 202)
    ids = {"client_id": client["id"], "contact_id": contact["id"], "account_id": bank_account["id"],
           "contract_id": contract["id"], "feedback_id": feedback["id"], "item_id": aux_item["id"],
           "voucher_id": draft["id"], "template_id": template["id"], "user_id": staff.user["id"],
           "code": "100201", "period": "2026-01", "role": "accountant", "job_id": job["id"]}
    return admin, {name: value for name, value in ids.items() if value}


def strategies(operation, ids):
    """Valid and invalid data at the real objects' ids, and the same at generated ids."""
    names = [parameter.name for parameter in operation.path_parameters]
    at_real_ids = {name: ids[name] for name in names if name in ids}
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    found = [operation.as_strategy(generation_mode=mode, path_parameters=at_real_ids) for mode in modes]
    if names:
        found += [operation.as_strategy(generation_mode=mode) for mode in modes]
    return st.one_of(found)


def fuzz(operation, strategy, caller, examples, deadline):
    """Up to `examples` cases; none is sent after the deadline. (Hypothesis wants the same
    draws for the same choices, so the deadline may skip a send but never a draw.)"""
    label = operation.label

    @seed(FUZZ_SEED)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(data=st.data())
    def run(data):
        case = data.draw(strategy, label="case")
        make_hostile(case, data)
        if time.monotonic() < deadline:
            caller.send(case, label)

    run()


@pytest.mark.timeout(int(FUZZ_SECONDS) + 600)
def test_no_generated_request_gets_a_5xx(platform):
    base = platform.url("gateway")
    admin, ids = real_objects(platform)
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_url(base + "/api/v1/openapi.json", config=config, timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (METHOD_ORDER.get(op.method.upper(), 9), op.label))
    caller = Caller(base, admin, {op.label for op in operations if not op.definition.raw.get("security")})

    started = time.monotonic()
    seconds_per_example = 0.06  # a first guess, then measured
    for done, operation in enumerate(operations):
        now = time.monotonic()
        share = max(started + FUZZ_SECONDS - now, 0) / (len(operations) - done)
        examples = min(max(int(share / seconds_per_example), 2), FUZZ_MAX_EXAMPLES)
        fuzz(operation, strategies(operation, ids), caller, examples, now + max(share * 1.5, 0.2))
        if caller.sent:
            seconds_per_example = (time.monotonic() - started) / caller.sent
    spent = time.monotonic() - started

    sent = {label: sum(counts.values()) for label, counts in caller.statuses.items()}
    answered_2xx = {label for label, counts in caller.statuses.items()
                    if any(isinstance(s, int) and 200 <= s < 300 for s in counts)}
    print(f"\nfuzzed {len(operations)} operations, {sum(sent.values())} requests in {spent:.0f}s "
          f"(seed {FUZZ_SEED}); {len(answered_2xx)} operations answered 2xx at least once; "
          f"{caller.sign_ins} sign-ins after a case ended the session")
    for label in sorted(caller.statuses):
        print(f"  {label}: {dict(caller.statuses[label])}")

    failures = [f"{label}: {failure}" for label, found in sorted(caller.failures.items()) for failure in found]
    assert not failures, f"{len(caller.failures)} operations answered 5xx:\n" + "\n".join(failures)
    # the fuzzer must not pass by testing nothing
    assert len(operations) >= 100, [op.label for op in operations]
    assert set(sent) == {op.label for op in operations}, "operations never called"
    assert sum(sent.values()) >= 5 * len(operations), sent
    assert len(answered_2xx) >= 30, sorted(answered_2xx)
