"""Bad payloads sent straight over RPC: 400 with the field and a clear code, never a
500, and nothing written (no client, no event)."""
import pytest

from servicekit.errors import Conflict, ValidationFailed

from .conftest import client_payload


def total(rpc, actor):
    return rpc.clients("list_clients", {"page_size": 1}, context=actor.context())["total"]


BAD = {
    "wrong credit code check character": ({"credit_code": "91350100M000100Y44"}, "credit_code", "CREDIT_CODE_INVALID"),
    "credit code too short": ({"credit_code": "9135010"}, "credit_code", "CREDIT_CODE_INVALID"),
    "credit code with O": ({"credit_code": "91350100M000100O43"}, "credit_code", "CREDIT_CODE_INVALID"),
    "wrong id check digit": ({"legal_representative": {"name": "张三", "id_number": "110105194912310021"}},
                             "legal_representative", "ID_NUMBER_INVALID"),
    "id with impossible birth date": ({"legal_representative": {"name": "张三", "id_number": "110105194913310028"}},
                                      "legal_representative", "ID_NUMBER_INVALID"),
    "unknown taxpayer type": ({"taxpayer_type": "huge"}, "taxpayer_type", "VALIDATION_FAILED"),
    "malformed mobile": ({"contacts": [{"name": "李四", "mobile": "1380013800"}]}, "contacts", "INVALID_PHONE"),
    "malformed email": ({"contacts": [{"name": "李四", "email": "lisi@"}]}, "contacts", "INVALID_EMAIL"),
    "bank account with letters": ({"bank_accounts": [{"bank": "工行", "account_number": "6222ABC123"}]},
                                  "bank_accounts", "BANK_ACCOUNT_INVALID"),
    "over-long name": ({"name": "长" * 201}, "name", "VALIDATION_FAILED"),
    "over-long business scope": ({"business_scope": "经" * 2001}, "business_scope", "VALIDATION_FAILED"),
    "unknown field": ({"agency_id": "00000000-0000-0000-0000-000000000001"}, "agency_id", "VALIDATION_FAILED"),
    "float money": ({"registered_capital": 1000.5}, "registered_capital", "VALIDATION_FAILED"),
    "three decimals": ({"registered_capital": "1.005"}, "registered_capital", "VALIDATION_FAILED"),
    "future establishment": ({"establishment_date": "2999-01-01"}, "establishment_date", "VALIDATION_FAILED"),
    "bad date": ({"establishment_date": "2020-02-30"}, "establishment_date", "VALIDATION_FAILED"),
    "name missing": ({"name": None}, "name", "VALIDATION_FAILED"),
    "two primaries": ({"contacts": [{"name": "a", "mobile": "13800138000", "primary": True},
                                    {"name": "b", "mobile": "13900139000", "primary": True}]}, "contacts",
                      "VALIDATION_FAILED"),
    "unknown location class": ({"location_class": "beach"}, "location_class", "VALIDATION_FAILED"),
}


@pytest.mark.parametrize("changes,field,code", BAD.values(), ids=list(BAD))
def test_bad_create_is_400_with_the_field_and_writes_nothing(rpc, agency_a, event_tap, changes, field, code):
    tap = event_tap("client_created")
    before = total(rpc, agency_a.admin)
    payload = client_payload(**changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("create_client", payload, context=agency_a.admin.context())
    assert err.value.status == 400
    assert err.value.code == code, err.value.details
    assert field in err.value.details["fields"], err.value.details
    assert err.value.message and err.value.message_en
    assert total(rpc, agency_a.admin) == before
    assert not [m for m in tap.drain(0.3) if m["body"]["data"]["client"]["name"] == payload.get("name")]


@pytest.mark.parametrize("payload", ["a string", ["a", "list"], 42, None])
def test_a_payload_that_is_not_an_object_is_a_validation_error(rpc, agency_a, payload):
    with pytest.raises(ValidationFailed):
        rpc.clients("create_client", payload, context=agency_a.admin.context())


def test_a_duplicate_credit_code_in_the_agency_is_400_credit_code_taken(rpc, agency_a, create):
    first = create(agency_a.admin)
    before = total(rpc, agency_a.admin)
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("create_client", client_payload(credit_code=first["credit_code"].lower()),
                    context=agency_a.admin.context())
    assert err.value.code == "CREDIT_CODE_TAKEN" and "credit_code" in err.value.details["fields"]
    assert total(rpc, agency_a.admin) == before
    other = create(agency_a.admin)
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("update_client", other["id"], {"version": other["version"], "credit_code": first["credit_code"]},
                    context=agency_a.admin.context())
    assert err.value.code == "CREDIT_CODE_TAKEN"


def test_patch_with_a_stale_version_is_409_and_changes_nothing(rpc, agency_a, create, event_tap):
    client = create(agency_a.admin)
    ctx = agency_a.admin.context()
    tap = event_tap("client_updated")
    first = rpc.clients("update_client", client["id"], {"version": 1, "short_name": "新简称", "industry": "餐饮业"},
                        context=ctx)
    assert first["version"] == 2 and first["short_name"] == "新简称"
    with pytest.raises(Conflict) as err:
        rpc.clients("update_client", client["id"], {"version": 1, "short_name": "旧的"}, context=ctx)
    assert err.value.code == "VERSION_CONFLICT" and err.value.status == 409
    assert err.value.details["current_version"] == 2
    assert rpc.clients("get_client", client["id"], context=ctx)["short_name"] == "新简称"
    # a PATCH that changes nothing keeps the version and publishes nothing
    same = rpc.clients("update_client", client["id"], {"version": 2, "short_name": "新简称"}, context=ctx)
    assert same["version"] == 2
    event = tap.wait_for(lambda m: m["body"]["client_id"] == client["id"])
    assert event["body"]["data"]["changed"] == ["industry", "short_name"]
    assert event["body"]["data"]["values"] == {"industry": "餐饮业", "short_name": "新简称"}
    assert len([m for m in tap.drain(0.5) if m["body"]["client_id"] == client["id"]]) == 1


@pytest.mark.parametrize("payload,field", [
    ({"name": "无版本有限公司"}, "version"),
    ({"version": "2", "name": "字符串版本有限公司"}, "version"),
    ({"version": 1, "status": "paused"}, "status"),  # status has its own endpoint
    ({"version": 1, "contacts": []}, "contacts"),
])
def test_patch_payload_shapes(rpc, agency_a, create, payload, field):
    client = create(agency_a.admin)
    with pytest.raises(ValidationFailed) as err:
        rpc.clients("update_client", client["id"], payload, context=agency_a.admin.context())
    assert field in err.value.details["fields"]


@pytest.mark.parametrize("method,args,field", [
    ("list_clients", ({"page_size": 201},), "page_size"),
    ("list_clients", ({"sort": "password"},), "sort"),
    ("list_clients", ({"accountant_id": "me"},), "accountant_id"),
    ("board", ("00000000-0000-0000-0000-000000000000", {"period": "2026-13"}), "period"),
    ("expiring_contracts", ({"days": 1000},), "days"),
])
def test_bad_queries_are_400(rpc, agency_a, method, args, field):
    with pytest.raises(ValidationFailed) as err:
        rpc.clients(method, *args, context=agency_a.admin.context())
    assert field in err.value.details["fields"]
