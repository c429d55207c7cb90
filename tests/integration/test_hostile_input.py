"""Hostile input (issue 9), one regression test per case the review found, through the
gateway over HTTP with real tokens: NUL, lone surrogates and bidi/zero-width characters,
amounts beyond NUMERIC(20,2), null where the column is NOT NULL, malformed ids, a user's
client_id from elsewhere, lenient numbers and dates, PATCH without a body, an unbounded
Idempotency-Key, and the permission check before the upload check. Each answers a 4xx,
never a 5xx; a 400 names the field (or query parameter, or header) it refuses."""
import copy
import json
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from .conftest import STRONG_PASSWORD, Api, create_user, register_agency, unique_email
from .test_clients_api import client_body, create_client, new_account_number
from .test_ledger_api import act, line, voucher

NUL = "a\u0000b"
RTL_OVERRIDE = "\u202e"
ZERO_WIDTH = "\u200b"
MAX_AMOUNT = "999999999999999999.99"  # the largest NUMERIC(20,2)
DAY = "2026-01-20"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- what a refusal must look like ------------------------------------------------------------

def named(details):
    """Every name an error's details mention: the keys at any depth (the fields of a
    VALIDATION_FAILED) and the values of keys that name a field, parameter or header."""
    names = set()
    if isinstance(details, dict):
        for key, value in details.items():
            names.add(str(key))
            if key in ("field", "fields", "parameter", "header", "name") and isinstance(value, str):
                names.add(value)
            names |= named(value)
    elif isinstance(details, list):
        for value in details:
            if isinstance(value, str) and not value.isspace():
                names.add(value)
            else:
                names |= named(value)
    return names


def refused(resp, field=None, status=400, only=None):
    """The reply is a JSON error with this status (a 4xx: any 4xx when status is None), both
    messages, and — for a 400 — details naming `field`. `only`: the top-level body fields
    the error may name (so a base body that is wrong for another reason fails the test)."""
    where = f"{resp.request.method} {resp.request.url}"
    assert resp.status_code < 500, f"{where}: {resp.status_code} {resp.text[:500]}"
    if status is None:
        assert 400 <= resp.status_code < 500, f"{where}: {resp.status_code} {resp.text[:500]}"
    else:
        assert resp.status_code == status, f"{where}: {resp.status_code} {resp.text[:500]}"
    error = resp.json()["error"]
    assert error.get("code") and error.get("message") and error.get("message_en"), error
    if field is not None and resp.status_code == 400:
        assert field in named(error.get("details")), f"{where}: the error does not name {field!r}: {error}"
        fields = (error.get("details") or {}).get("fields")
        if only is not None and isinstance(fields, dict):
            assert set(fields) <= set(only), f"{where}: refused for another field too: {error}"
    return error


def put(body, path, value):
    """A copy of body with the value at path (keys and list indexes) replaced."""
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


def raw_json(api, method, path, text):
    """Send JSON text as written: a lone surrogate survives only as an escape in the text."""
    return api.request(method, path, data=text.encode("ascii"), headers={"Content-Type": "application/json"})


# -- one agency with one of everything a hostile body can be aimed at -------------------------

def ok(resp, status=201):
    assert resp.status_code == status, f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}"
    return resp.json()


def contract_body(**changes):
    today = date.today()
    return {"number": f"HT-{uuid.uuid4().hex[:8]}", "start_date": (today - timedelta(days=30)).isoformat(),
            "end_date": (today + timedelta(days=335)).isoformat(), "services": ["bookkeeping"], "fee": "450.00",
            "billing_cycle": "monthly", "notes": "按月付费", **changes}


def contact_body():
    return {"name": "刘出纳", "role": "出纳", "mobile": "13800138000", "email": "liu@example.cn", "wechat": "liu_wx"}


def bank_body():
    return {"bank": "中国银行", "branch": "西安南郊支行", "account_number": new_account_number(), "purpose": "一般户",
            "currency": "CNY"}


def template_body():
    return {"name": f"计提工资{uuid.uuid4().hex[:6]}", "lines": [
        {"summary": "计提工资", "account": "5602", "side": "debit", "amount": "100.00"},
        {"summary": "计提工资", "account": "2211", "side": "credit", "amount": "100.00"}]}


def cash_sale(amount="100.00", summary="销售商品"):
    return voucher(DAY, line("1001", debit=amount, summary=summary), line("5001", credit=amount, summary=summary))


def active_contract(w):
    contract = ok(w.admin.post(w.client_path + "/contracts", contract_body()))
    ok(w.admin.post(f"/api/v1/contracts/{contract['id']}/activate"), 200)
    return contract


def open_feedback(w):
    return ok(w.owner.post(w.client_path + "/feedback", {"kind": "complaint", "content": "发票寄晚了"}))


def handled_feedback(w):
    feedback = open_feedback(w)
    ok(w.admin.post(f"/api/v1/feedback/{feedback['id']}/handle", {"note": "改用顺丰寄送"}), 200)
    return feedback


@pytest.fixture(scope="module")
def world(platform):
    w = SimpleNamespace()
    w.anon = Api(platform.url("gateway"))
    w.admin = register_agency(platform, w.anon)
    w.client = create_client(w.admin)
    w.client_path = f"/api/v1/clients/{w.client['id']}"
    ok(w.admin.post(w.client_path + "/books", {"standard": "small_business_2013", "start_period": "2026-01",
                                               "allow_self_review": True}))
    w.contact = ok(w.admin.post(w.client_path + "/contacts", contact_body()))
    w.bank_account = ok(w.admin.post(w.client_path + "/bank-accounts", bank_body()))
    w.draft_contract = ok(w.admin.post(w.client_path + "/contracts", contract_body()))
    w.active_contract = active_contract(w)
    w.sub_account = ok(w.admin.post(w.client_path + "/accounts", {"parent_code": "1002", "name": "工商银行"}))
    w.aux_item = ok(w.admin.post(w.client_path + "/aux-items", {"kind": "customer", "code": "C001", "name": "客户甲"}))
    w.draft_voucher = ok(w.admin.post(w.client_path + "/vouchers", cash_sale()))
    posted = ok(w.admin.post(w.client_path + "/vouchers", cash_sale()))
    act(w.admin, w.client_path, posted["id"], "review")
    w.posted_voucher = act(w.admin, w.client_path, posted["id"], "post")
    w.template = ok(w.admin.post(w.client_path + "/templates", template_body()))
    w.accountant = create_user(w.admin, ["accountant"], name="李会计")
    w.owner = create_user(w.admin, ["client"], name="韩老板", client_id=w.client["id"])
    other_admin = register_agency(platform, Api(platform.url("gateway")), name="咸阳另一家财税")
    w.foreign_client = create_client(other_admin)
    return w


def new_book(w):
    """A new client of the agency with an empty book (no posting yet); returns its path."""
    path = f"/api/v1/clients/{create_client(w.admin)['id']}"
    ok(w.admin.post(path + "/books", {"standard": "small_business_2013", "start_period": "2026-01",
                                      "allow_self_review": True}))
    return path


def client_version(w, client_id=None):
    return ok(w.admin.get(f"/api/v1/clients/{client_id or w.client['id']}"), 200)["version"]


def voucher_version(w):
    return ok(w.admin.get(f"{w.client_path}/vouchers/{w.draft_voucher['id']}"), 200)["version"]


# -- NUL in every free-text field -------------------------------------------------------------
# (label, who sends it, method, path(w), body(w), where the NUL goes)

CLIENTS = "/api/v1/clients"
NUL_FIELDS = [
    *[(f"client {f}", "admin", "POST", lambda w: CLIENTS, lambda w: client_body(), (f,))
      for f in ("name", "short_name", "industry", "registered_address", "office_address", "tax_authority",
                "business_scope", "credit_code")],
    *[(f"client legal_representative.{f}", "admin", "POST", lambda w: CLIENTS, lambda w: client_body(),
       ("legal_representative", f)) for f in ("name", "id_number")],
    *[(f"client contacts.{f}", "admin", "POST", lambda w: CLIENTS, lambda w: client_body(), ("contacts", 0, f))
      for f in ("name", "role", "mobile", "email")],
    *[(f"client bank_accounts.{f}", "admin", "POST", lambda w: CLIENTS, lambda w: client_body(),
       ("bank_accounts", 0, f)) for f in ("bank", "branch", "account_number", "purpose")],
    *[(f"client PATCH {f}", "admin", "PATCH", lambda w: w.client_path,
       lambda w: {"version": client_version(w)}, (f,))
      for f in ("name", "short_name", "industry", "office_address", "tax_authority", "business_scope")],
    ("client PATCH legal_representative.name", "admin", "PATCH", lambda w: w.client_path,
     lambda w: {"version": client_version(w), "legal_representative": {"name": "x"}}, ("legal_representative", "name")),
    ("client status reason", "admin", "POST", lambda w: f"{CLIENTS}/{create_client(w.admin)['id']}/status",
     lambda w: {"status": "paused", "reason": "x"}, ("reason",)),
    ("legal representative reveal reason", "admin", "POST",
     lambda w: w.client_path + "/legal-representative/reveal", lambda w: {"reason": "x"}, ("reason",)),
    *[(f"contact {f}", "admin", "POST", lambda w: w.client_path + "/contacts", lambda w: contact_body(), (f,))
      for f in ("name", "role", "mobile", "email", "wechat")],
    *[(f"contact PATCH {f}", "admin", "PATCH", lambda w: f"{w.client_path}/contacts/{w.contact['id']}",
       lambda w: contact_body(), (f,)) for f in ("name", "role", "wechat")],
    *[(f"bank account {f}", "admin", "POST", lambda w: w.client_path + "/bank-accounts", lambda w: bank_body(), (f,))
      for f in ("bank", "branch", "account_number", "purpose")],
    *[(f"bank account PATCH {f}", "admin", "PATCH",
       lambda w: f"{w.client_path}/bank-accounts/{w.bank_account['id']}", lambda w: {"bank": "x", "branch": "x"}, (f,))
      for f in ("bank", "branch")],
    ("bank account reveal reason", "admin", "POST",
     lambda w: f"{w.client_path}/bank-accounts/{w.bank_account['id']}/reveal", lambda w: {"reason": "x"}, ("reason",)),
    *[(f"contract {f}", "admin", "POST", lambda w: w.client_path + "/contracts", lambda w: contract_body(), (f,))
      for f in ("number", "notes")],
    *[(f"contract PATCH {f}", "admin", "PATCH", lambda w: f"/api/v1/contracts/{w.draft_contract['id']}",
       lambda w: {"number": "HT-1", "notes": "x"}, (f,)) for f in ("number", "notes")],
    *[(f"contract amend {f}", "admin", "POST", lambda w: f"/api/v1/contracts/{w.active_contract['id']}/amend",
       lambda w: {"fee": "500.00", "note": "调价", "notes": "x"}, (f,)) for f in ("note", "notes")],
    ("contract terminate reason", "admin", "POST", lambda w: f"/api/v1/contracts/{active_contract(w)['id']}/terminate",
     lambda w: {"reason": "x", "terminated_on": date.today().isoformat()}, ("reason",)),
    *[(f"service record {f}", "admin", "POST", lambda w: w.client_path + "/service-records",
       lambda w: {"date": date.today().isoformat(), "kind": "bookkeeping", "description": "录入凭证", "result": "完成"},
       (f,)) for f in ("description", "result")],
    ("feedback content", "owner", "POST", lambda w: w.client_path + "/feedback",
     lambda w: {"kind": "complaint", "content": "x"}, ("content",)),
    ("feedback handle note", "admin", "POST", lambda w: f"/api/v1/feedback/{open_feedback(w)['id']}/handle",
     lambda w: {"note": "x"}, ("note",)),
    ("feedback close note", "owner", "POST", lambda w: f"/api/v1/feedback/{handled_feedback(w)['id']}/close",
     lambda w: {"satisfaction": 5, "note": "x"}, ("note",)),
    ("user name", "admin", "POST", lambda w: "/api/v1/users",
     lambda w: {"name": "x", "email": unique_email(), "password": STRONG_PASSWORD, "roles": ["accountant"]},
     ("name",)),
    ("user PATCH name", "admin", "PATCH", lambda w: f"/api/v1/users/{w.accountant.user['id']}",
     lambda w: {"name": "x"}, ("name",)),
    ("agency PATCH name", "admin", "PATCH", lambda w: "/api/v1/agency", lambda w: {"name": "xx"}, ("name",)),
    *[(f"agency registration {f}", "anon", "POST", lambda w: "/api/v1/agencies",
       lambda w: {"agency_name": "西安财税", "name": "王会计", "email": unique_email(), "password": STRONG_PASSWORD}, (f,))
      for f in ("agency_name", "name")],
    ("login", "anon", "POST", lambda w: "/api/v1/auth/login", lambda w: {"login": "xxx", "password": "x"}, ("login",)),
    ("password forgot login", "anon", "POST", lambda w: "/api/v1/auth/password/forgot", lambda w: {"login": "xxx"},
     ("login",)),
    ("account name", "admin", "POST", lambda w: w.client_path + "/accounts",
     lambda w: {"parent_code": "1002", "name": "x"}, ("name",)),
    ("account PATCH name", "admin", "PATCH", lambda w: f"{w.client_path}/accounts/{w.sub_account['code']}",
     lambda w: {"name": "x"}, ("name",)),
    *[(f"aux item {f}", "admin", "POST", lambda w: w.client_path + "/aux-items",
       lambda w: {"kind": "customer", "code": f"C{uuid.uuid4().hex[:6]}", "name": "客户乙"}, (f,))
      for f in ("code", "name")],
    *[(f"aux item PATCH {f}", "admin", "PATCH", lambda w: f"{w.client_path}/aux-items/{w.aux_item['id']}",
       lambda w: {"code": "C001", "name": "客户甲"}, (f,)) for f in ("code", "name")],
    *[(f"voucher line {f}", "admin", "POST", lambda w: w.client_path + "/vouchers", lambda w: cash_sale(),
       ("lines", 0, f)) for f in ("summary", "aux_item")],
    ("voucher PUT line summary", "admin", "PUT", lambda w: f"{w.client_path}/vouchers/{w.draft_voucher['id']}",
     lambda w: {"version": voucher_version(w), "lines": cash_sale()["lines"]}, ("lines", 1, "summary")),
    ("voucher batch line summary", "admin", "POST", lambda w: w.client_path + "/vouchers/batch",
     lambda w: {"vouchers": [cash_sale(), cash_sale()]}, ("vouchers", 1, "lines", 0, "summary")),
    ("voucher reverse summary", "admin", "POST",
     lambda w: f"{w.client_path}/vouchers/{w.posted_voucher['id']}/reverse", lambda w: {"summary": "x"},
     ("summary",)),
    ("template name", "admin", "POST", lambda w: w.client_path + "/templates", lambda w: template_body(), ("name",)),
    ("template line summary", "admin", "POST", lambda w: w.client_path + "/templates", lambda w: template_body(),
     ("lines", 0, "summary")),
    ("opening balance aux_item", "admin", "PUT", lambda w: new_book(w) + "/opening-balances",
     lambda w: {"items": [{"account": "1122", "aux_item": "C001", "debit": "1.00"}]}, ("items", 0, "aux_item")),
    *[(f"accrue {f}", "admin", "POST", lambda w: w.client_path + "/periods/2026-01/accrue",
       lambda w: {"template": "salary", "amounts": {"management": "1000.00"}, "word": "记"}, (f,))
      for f in ("template", "word")],
]


@pytest.mark.parametrize("label,who,method,path,body,where", NUL_FIELDS, ids=[case[0] for case in NUL_FIELDS])
def test_nul_in_a_text_field_is_400_naming_it(world, label, who, method, path, body, where):
    api = getattr(world, who)
    resp = api.request(method, path(world), json_body=put(body(world), where, NUL))
    refused(resp, where[-1], only={where[0]})


NUL_QUERIES = [
    ("/api/v1/clients", "q"), ("/api/v1/clients/export", "q"), ("/api/v1/users", "q"),
    ("/api/v1/audit-log", "action"), ("/api/v1/audit-log", "target_id"), ("/api/v1/contracts/expiring", "days"),
    ("{client}/accounts", "q"), ("{client}/vouchers", "account"), ("{client}/trial-balance", "period"),
]


@pytest.mark.parametrize("path,parameter", NUL_QUERIES, ids=[f"{p} {q}" for p, q in NUL_QUERIES])
def test_nul_in_a_query_string_is_400_naming_the_parameter(world, path, parameter):
    resp = world.admin.get(path.format(client=world.client_path), params={parameter: NUL})
    refused(resp, parameter)


SURROGATES = [
    ("client name", lambda w: CLIENTS, lambda w: client_body(), ("name",)),
    ("client short_name", lambda w: CLIENTS, lambda w: client_body(), ("short_name",)),
    ("voucher line summary", lambda w: w.client_path + "/vouchers", lambda w: cash_sale(), ("lines", 0, "summary")),
]


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff"])
@pytest.mark.parametrize("label,path,body,where", SURROGATES, ids=[case[0] for case in SURROGATES])
def test_a_lone_surrogate_is_400_naming_the_field(world, escape, label, path, body, where):
    text = json.dumps(put(body(world), where, "@@")).replace('"@@"', f'"a{escape}b"')
    resp = raw_json(world.admin, "POST", path(world), text)
    refused(resp, where[-1], only={where[0]})


# -- bidi override and zero-width characters in names and codes --------------------------------

INVISIBLE_NAMES = [
    ("client name", "POST", lambda w: CLIENTS, lambda w: client_body(), ("name",)),
    ("client short_name", "POST", lambda w: CLIENTS, lambda w: client_body(), ("short_name",)),
    ("contact name", "POST", lambda w: w.client_path + "/contacts", lambda w: contact_body(), ("name",)),
    ("bank name", "POST", lambda w: w.client_path + "/bank-accounts", lambda w: bank_body(), ("bank",)),
    ("contract number", "POST", lambda w: w.client_path + "/contracts", lambda w: contract_body(), ("number",)),
    ("account name", "POST", lambda w: w.client_path + "/accounts", lambda w: {"parent_code": "1002", "name": "x"},
     ("name",)),
    ("aux item code", "POST", lambda w: w.client_path + "/aux-items",
     lambda w: {"kind": "customer", "code": "C9", "name": "客户丙"}, ("code",)),
    ("aux item name", "POST", lambda w: w.client_path + "/aux-items",
     lambda w: {"kind": "customer", "code": f"C{uuid.uuid4().hex[:6]}", "name": "x"}, ("name",)),
    ("template name", "POST", lambda w: w.client_path + "/templates", lambda w: template_body(), ("name",)),
    ("user name", "POST", lambda w: "/api/v1/users",
     lambda w: {"name": "x", "email": unique_email(), "password": STRONG_PASSWORD, "roles": ["accountant"]},
     ("name",)),
    ("user PATCH name", "PATCH", lambda w: f"/api/v1/users/{w.accountant.user['id']}", lambda w: {"name": "x"},
     ("name",)),
    ("agency PATCH name", "PATCH", lambda w: "/api/v1/agency", lambda w: {"name": "xx"}, ("name",)),
]


@pytest.mark.parametrize("character", [RTL_OVERRIDE, ZERO_WIDTH], ids=["rtl-override", "zero-width"])
@pytest.mark.parametrize("label,method,path,body,where", INVISIBLE_NAMES, ids=[case[0] for case in INVISIBLE_NAMES])
def test_bidi_and_zero_width_characters_in_names_are_400(world, character, label, method, path, body, where):
    name = f"西安{character}财税{uuid.uuid4().hex[:4]}"
    resp = world.admin.request(method, path(world), json_body=put(body(world), where, name))
    refused(resp, where[-1], only={where[0]})


# -- amounts beyond NUMERIC(20,2) ---------------------------------------------------------------

def test_an_amount_beyond_the_column_is_400_naming_it(world):
    too_big = "1000000000000000000.00"
    resp = world.admin.post(world.client_path + "/vouchers", cash_sale(too_big))
    refused(resp, "debit", only={"lines"})


def test_lines_of_the_largest_amount_are_never_a_500(world):
    resp = world.admin.post(world.client_path + "/vouchers", cash_sale(MAX_AMOUNT))
    assert resp.status_code in (201, 400), resp.text  # within the column: may be taken, never a 500
    if resp.status_code == 400:
        assert resp.json()["error"]["code"] == "AMOUNT_OUT_OF_RANGE", resp.text


def test_a_voucher_whose_total_overflows_is_amount_out_of_range(world):
    body = voucher(DAY, line("1001", debit=MAX_AMOUNT), line("1001", debit=MAX_AMOUNT),
                   line("5001", credit=MAX_AMOUNT), line("5001", credit=MAX_AMOUNT))
    error = refused(world.admin.post(world.client_path + "/vouchers", body), status=None)
    assert error["code"] == "AMOUNT_OUT_OF_RANGE", error


def test_posting_that_would_overflow_a_balance_is_amount_out_of_range(world):
    path = new_book(world)
    half = "600000000000000000.00"
    first = ok(world.admin.post(path + "/vouchers", cash_sale(half)))
    act(world.admin, path, first["id"], "review")
    act(world.admin, path, first["id"], "post")
    second = ok(world.admin.post(path + "/vouchers", cash_sale(half)))
    act(world.admin, path, second["id"], "review")
    error = refused(world.admin.post(f"{path}/vouchers/{second['id']}/post", {}), status=None)
    assert error["code"] == "AMOUNT_OUT_OF_RANGE", error
    assert ok(world.admin.get(f"{path}/vouchers/{second['id']}"), 200)["status"] == "reviewed"


# -- null where the column is NOT NULL ------------------------------------------------------------

NULLS = [
    ("account name", lambda w: f"{w.client_path}/accounts/{w.sub_account['code']}", lambda w: {}, "name"),
    ("aux item code", lambda w: f"{w.client_path}/aux-items/{w.aux_item['id']}", lambda w: {}, "code"),
    ("aux item name", lambda w: f"{w.client_path}/aux-items/{w.aux_item['id']}", lambda w: {}, "name"),
    ("client name", lambda w: w.client_path, lambda w: {"version": client_version(w)}, "name"),
    ("client credit_code", lambda w: w.client_path, lambda w: {"version": client_version(w)}, "credit_code"),
    ("contact name", lambda w: f"{w.client_path}/contacts/{w.contact['id']}", lambda w: {}, "name"),
    ("bank account bank", lambda w: f"{w.client_path}/bank-accounts/{w.bank_account['id']}", lambda w: {}, "bank"),
    ("contract number", lambda w: f"/api/v1/contracts/{w.draft_contract['id']}", lambda w: {}, "number"),
    ("user name", lambda w: f"/api/v1/users/{w.accountant.user['id']}", lambda w: {}, "name"),
    ("agency name", lambda w: "/api/v1/agency", lambda w: {}, "name"),
    ("agency mfa_required", lambda w: "/api/v1/agency", lambda w: {}, "mfa_required"),
]


@pytest.mark.parametrize("label,path,body,field", NULLS, ids=[case[0] for case in NULLS])
def test_null_where_the_column_is_not_null_is_400(world, label, path, body, field):
    resp = world.admin.patch(path(world), {**body(world), field: None})
    refused(resp, field, only={field})


# -- malformed ids in the path ----------------------------------------------------------------------

@pytest.mark.parametrize("client_id", ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g", "x" * 300,
                                       "' OR 1=1 --", "%00", "%E2%80%AE"])
def test_a_malformed_client_id_on_vouchers_is_4xx(world, client_id):
    resp = world.admin.post(f"/api/v1/clients/{client_id}/vouchers", cash_sale())
    refused(resp, status=None)
    resp = world.admin.get(f"/api/v1/clients/{client_id}/vouchers")
    refused(resp, status=None)


# -- a client user's client_id is one of the agency's clients ---------------------------------------

def test_a_client_user_with_a_client_id_from_elsewhere_is_refused(world):
    for client_id in (world.foreign_client["id"], str(uuid.uuid4())):
        resp = world.admin.post("/api/v1/users", {"name": "外来客户", "email": unique_email("client"),
                                                  "password": STRONG_PASSWORD, "roles": ["client"],
                                                  "client_id": client_id})
        refused(resp, "client_id", status=None)
        resp = world.admin.patch(f"/api/v1/users/{world.owner.user['id']}", {"client_id": client_id})
        refused(resp, "client_id", status=None)
    assert ok(world.admin.get(f"/api/v1/users/{world.owner.user['id']}"), 200)["client_id"] == world.client["id"]


# -- lenient parsing refused --------------------------------------------------------------------------

LENIENT_AMOUNTS = [
    ("voucher debit", lambda w: w.client_path + "/vouchers", lambda a: cash_sale() | {
        "lines": [line("1001", debit=a), line("5001", credit="100.00")]}, "debit"),
    ("contract fee", lambda w: w.client_path + "/contracts", lambda a: contract_body(fee=a), "fee"),
    ("client registered_capital", lambda w: CLIENTS, lambda a: client_body(registered_capital=a),
     "registered_capital"),
    ("template amount", lambda w: w.client_path + "/templates",
     lambda a: put(template_body(), ("lines", 0, "amount"), a), "amount"),
    ("from-template amounts", lambda w: f"{w.client_path}/templates/{w.template['id']}/voucher",
     lambda a: {"date": DAY, "amounts": [a, a]}, "amounts"),
]
AMOUNT_SPELLINGS = [100.5, 100, "１００.００", " 100.00 ", "1e2", "100.", "+100.00", "0x64"]


@pytest.mark.parametrize("amount", AMOUNT_SPELLINGS, ids=repr)
@pytest.mark.parametrize("label,path,body,field", LENIENT_AMOUNTS, ids=[case[0] for case in LENIENT_AMOUNTS])
def test_an_amount_that_is_not_an_ascii_decimal_string_is_400(world, amount, label, path, body, field):
    refused(world.admin.post(path(world), body(amount)), field)


def test_a_json_number_as_an_accrual_amount_is_400(world):
    resp = world.admin.post(world.client_path + "/periods/2026-01/accrue",
                            {"template": "salary", "amounts": {"management": 1000.5}})
    refused(resp, "management")


DATE_FIELDS = [
    ("voucher date", lambda w: w.client_path + "/vouchers", lambda d: cash_sale() | {"date": d}, "date"),
    ("service record date", lambda w: w.client_path + "/service-records",
     lambda d: {"date": d, "kind": "bookkeeping", "description": "录入凭证"}, "date"),
    ("contract start_date", lambda w: w.client_path + "/contracts", lambda d: contract_body(start_date=d),
     "start_date"),
    ("client establishment_date", lambda w: CLIENTS, lambda d: client_body(establishment_date=d),
     "establishment_date"),
]
DATE_SPELLINGS = ["２０２６-01-20", "2026-1-5", "20260120", " 2026-01-20 ", "2026-01-20T00:00:00"]


@pytest.mark.parametrize("day", DATE_SPELLINGS)
@pytest.mark.parametrize("label,path,body,field", DATE_FIELDS, ids=[case[0] for case in DATE_FIELDS])
def test_a_date_that_is_not_iso_ascii_is_400(world, day, label, path, body, field):
    refused(world.admin.post(path(world), body(day)), field)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_far_outside_the_book_is_4xx(world, day):
    refused(world.admin.post(world.client_path + "/vouchers", cash_sale() | {"date": day}), "date", status=None)
    resp = world.admin.post(f"{world.client_path}/templates/{world.template['id']}/voucher", {"date": day})
    refused(resp, "date", status=None)
    resp = world.admin.post(f"{world.client_path}/vouchers/{world.posted_voucher['id']}/reverse", {"date": day})
    refused(resp, "date", status=None)


@pytest.mark.parametrize("period", ["２０２６-01", "2026-1", "202601", " 2026-01 "])
def test_a_period_that_is_not_iso_ascii_is_400(world, period):
    refused(world.admin.get(world.client_path + "/trial-balance", params={"period": period}), "period")
    refused(world.admin.post(world.client_path + "/vouchers/renumber", {"period": period}), "period")


# -- PATCH without a body ------------------------------------------------------------------------------

PATCH_ROUTES = [
    ("client", lambda w: w.client_path),
    ("contact", lambda w: f"{w.client_path}/contacts/{w.contact['id']}"),
    ("bank account", lambda w: f"{w.client_path}/bank-accounts/{w.bank_account['id']}"),
    ("contract", lambda w: f"/api/v1/contracts/{w.draft_contract['id']}"),
    ("agency", lambda w: "/api/v1/agency"),
    ("user", lambda w: f"/api/v1/users/{w.accountant.user['id']}"),
    ("book", lambda w: w.client_path + "/book"),
    ("account", lambda w: f"{w.client_path}/accounts/{w.sub_account['code']}"),
    ("aux item", lambda w: f"{w.client_path}/aux-items/{w.aux_item['id']}"),
]


@pytest.mark.parametrize("label,path", PATCH_ROUTES, ids=[case[0] for case in PATCH_ROUTES])
def test_a_patch_without_a_body_is_400(world, label, path):
    refused(world.admin.request("PATCH", path(world)))
    refused(world.admin.request("PATCH", path(world), data=b"", headers={"Content-Type": "application/json"}))


# -- headers are bounded ---------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [201, 1000])
def test_an_over_long_idempotency_key_is_400_naming_it(world, length):
    resp = world.admin.post(world.client_path + "/vouchers", cash_sale(), headers={"Idempotency-Key": "k" * length})
    refused(resp, "Idempotency-Key")


def test_an_idempotency_key_of_ten_thousand_characters_is_400(world):
    resp = world.admin.post(world.client_path + "/vouchers", cash_sale(), headers={"Idempotency-Key": "k" * 10000})
    assert resp.status_code == 400, f"{resp.status_code} {resp.text[:300]}"


def test_an_idempotency_key_with_a_control_character_is_400(world):
    resp = world.admin.post(world.client_path + "/vouchers", cash_sale(), headers={"Idempotency-Key": "k\x01k"})
    refused(resp, "Idempotency-Key")


# -- the permission check comes before the upload check ------------------------------------------------

@pytest.mark.parametrize("route", ["clients", "vouchers"])
def test_an_empty_upload_is_403_without_permission_and_file_empty_with_it(world, route):
    path = "/api/v1/clients/import" if route == "clients" else world.client_path + "/vouchers/import"
    # clients are imported by an admin or supervisor, not an accountant; a client user imports no vouchers
    outsider = world.accountant if route == "clients" else world.owner
    for multipart in (True, False):
        upload = ({"files": {"file": ("空.xlsx", b"", XLSX)}} if multipart
                  else {"data": b"", "headers": {"Content-Type": XLSX}})
        error = refused(outsider.request("POST", path, **upload), status=403)
        assert error["code"] == "FORBIDDEN", error
        error = refused(world.admin.request("POST", path, **upload), status=400)
        assert error["code"] == "FILE_EMPTY", error
