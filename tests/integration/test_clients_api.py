"""The clients service through the gateway: create, list and search, read, PATCH
with an optimistic version, bad input (400 with the field, nothing written),
duplicate credit codes, Idempotency-Key. Helpers here are shared by the other
test_clients_* modules."""
import uuid

import pytest

from services.clients.domain.credit_code import with_check_character as credit_code_for
from services.clients.domain.id_number import with_check_character as id_number_for

from .conftest import assert_error


def new_credit_code():
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return credit_code_for("91610113" + "".join(alphabet[b % 31] for b in uuid.uuid4().bytes[:9]))


def new_id_number():
    n = uuid.uuid4().int
    return id_number_for(f"610113{1955 + n % 45}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}")


def new_account_number():
    return "6217" + f"{uuid.uuid4().int % 10**15:015d}"


def client_body(**changes):
    body = {
        "name": f"西安{uuid.uuid4().hex[:6]}商贸有限公司", "credit_code": new_credit_code(), "taxpayer_type": "general",
        "short_name": "商贸", "location_class": "urban", "registered_capital": "500000.00",
        "establishment_date": "2018-03-15",
        "legal_representative": {"name": "陈法人", "id_number": new_id_number()},
        "contacts": [{"name": "刘出纳", "role": "出纳", "mobile": "13800138000", "email": "liu@example.cn"}],
        "bank_accounts": [{"bank": "中国银行", "branch": "西安南郊支行", "account_number": new_account_number(),
                           "purpose": "基本户", "currency": "CNY"}],
    }
    body.update(changes)
    return body


def create_client(api, **changes):
    resp = api.post("/api/v1/clients", client_body(**changes))
    assert resp.status_code == 201, resp.text
    return resp.json()


def listed(api, **params):
    resp = api.get("/api/v1/clients", params={"page_size": 200, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_create_read_list_search_and_patch(platform, agency_admin):
    body = client_body(name="西安秦岭茶业有限公司", short_name="秦岭茶业")
    resp = agency_admin.post("/api/v1/clients", body)
    assert resp.status_code == 201, resp.text
    client = resp.json()
    assert client["id"] and client["version"] == 1 and client["credit_code"] == body["credit_code"]
    assert client["registered_capital"] == "500000.00" and client["status"] == "active"
    number = body["legal_representative"]["id_number"]
    assert client["legal_representative"] == {"name": "陈法人", "id_number_masked": number[:4] + "*" * 10 + number[-4:]}
    assert client["bank_accounts"][0]["account_number_masked"].count("*") > 8
    assert number not in resp.text and body["bank_accounts"][0]["account_number"] not in resp.text

    got = agency_admin.get(f"/api/v1/clients/{client['id']}").json()
    assert got["contacts"][0]["primary"] is True and got["contacts"][0]["mobile"] == "13800138000"

    page = listed(agency_admin, q="秦岭")
    assert [c["id"] for c in page["items"]] == [client["id"]] and page["total"] == 1
    assert set(page) == {"items", "total", "page", "page_size"}
    assert listed(agency_admin, q="茶业")["total"] == 1  # the short name too
    assert listed(agency_admin, q=body["credit_code"][:10])["items"][0]["id"] == client["id"]
    assert listed(agency_admin, q="100%_")["total"] == 0  # wildcards are literal
    assert listed(agency_admin, taxpayer_type="small_scale", q="秦岭")["total"] == 0
    create_client(agency_admin, name="西安阿房宫文化有限公司")
    names = [c["name"] for c in listed(agency_admin, sort="name", order="desc")["items"]]
    assert names == sorted(names, reverse=True)
    two = listed(agency_admin, page_size=1, page=2, sort="created_at")
    assert len(two["items"]) == 1 and two["page"] == 2 and two["total"] >= 2

    resp = agency_admin.patch(f"/api/v1/clients/{client['id']}", {"version": 1, "short_name": "秦岭", "taxpayer_type":
                                                                   "small_scale", "small_low_profit": True})
    assert resp.status_code == 200, resp.text
    assert resp.json()["version"] == 2 and resp.json()["taxpayer_type"] == "small_scale"
    stale = agency_admin.patch(f"/api/v1/clients/{client['id']}", {"version": 1, "short_name": "旧"})
    error = assert_error(stale, 409, "VERSION_CONFLICT")
    assert error["details"]["current_version"] == 2
    assert agency_admin.get(f"/api/v1/clients/{client['id']}").json()["short_name"] == "秦岭"

    profile_like = agency_admin.post(f"/api/v1/clients/{client['id']}/status", {"status": "paused", "reason": "歇业"})
    assert profile_like.status_code == 200 and profile_like.json()["status"] == "paused"
    assert client["id"] in {c["id"] for c in listed(agency_admin, status="paused")["items"]}


BAD_INPUT = {
    "credit code check character": ({"credit_code": "91110000600037341X"}, "credit_code", "CREDIT_CODE_INVALID"),
    "id number check digit": ({"legal_representative": {"name": "陈", "id_number": "11010519491231002Y"}},
                              "legal_representative", "ID_NUMBER_INVALID"),
    "id number wrong check": ({"legal_representative": {"name": "陈", "id_number": "110105194912310021"}},
                              "legal_representative", "ID_NUMBER_INVALID"),
    "unknown taxpayer type": ({"taxpayer_type": "medium"}, "taxpayer_type", "VALIDATION_FAILED"),
    "malformed mobile": ({"contacts": [{"name": "刘", "mobile": "2380013800"}]}, "contacts", "INVALID_PHONE"),
    "malformed email": ({"contacts": [{"name": "刘", "email": "liu at example"}]}, "contacts", "INVALID_EMAIL"),
    "over-long name": ({"name": "名" * 201}, "name", "VALIDATION_FAILED"),
    "over-long address": ({"registered_address": "址" * 301}, "registered_address", "VALIDATION_FAILED"),
    "money as a float": ({"registered_capital": 12.5}, "registered_capital", "VALIDATION_FAILED"),
    "unknown field": ({"agency_id": str(uuid.uuid4())}, "agency_id", "VALIDATION_FAILED"),
    "bank account letters": ({"bank_accounts": [{"bank": "中国银行", "account_number": "ABC-123"}]}, "bank_accounts",
                             "BANK_ACCOUNT_INVALID"),
}


@pytest.mark.parametrize("changes,field,code", BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_is_400_with_the_field_and_nothing_is_written(platform, agency_admin, changes, field, code):
    body = client_body(**changes)
    before = listed(agency_admin)["total"]
    error = assert_error(agency_admin.post("/api/v1/clients", body), 400, code)
    assert field in error["details"]["fields"], error
    assert error["message"] and error["message_en"]
    assert listed(agency_admin)["total"] == before
    assert listed(agency_admin, q=body["name"][:20])["total"] == 0


def test_a_duplicate_credit_code_is_400_and_writes_nothing(platform, agency_admin):
    first = create_client(agency_admin)
    before = listed(agency_admin)["total"]
    error = assert_error(agency_admin.post("/api/v1/clients", client_body(credit_code=first["credit_code"])), 400,
                         "CREDIT_CODE_TAKEN")
    assert "credit_code" in error["details"]["fields"]
    assert listed(agency_admin)["total"] == before


def test_an_idempotency_key_retry_creates_once(platform, agency_admin):
    body = client_body()
    key = {"Idempotency-Key": f"create-{uuid.uuid4()}"}
    first = agency_admin.post("/api/v1/clients", body, headers=key)
    again = agency_admin.post("/api/v1/clients", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert listed(agency_admin, q=body["credit_code"])["total"] == 1
    assert_error(agency_admin.post("/api/v1/clients", client_body(), headers=key), 409, "IDEMPOTENCY_KEY_REUSED")


def test_unknown_ids_are_404_and_bad_queries_400(platform, agency_admin):
    assert_error(agency_admin.get("/api/v1/clients/not-a-uuid"), 404, "CLIENT_NOT_FOUND")
    assert_error(agency_admin.get(f"/api/v1/clients/{uuid.uuid4()}"), 404, "CLIENT_NOT_FOUND")
    assert_error(agency_admin.get("/api/v1/clients", params={"page_size": "500"}), 400, "VALIDATION_FAILED")
    assert_error(agency_admin.get("/api/v1/clients", params={"sort": "id; drop table"}), 400, "VALIDATION_FAILED")
    assert_error(agency_admin.patch(f"/api/v1/clients/{uuid.uuid4()}", {"name": "没有版本"}), 400, "VALIDATION_FAILED")
