"""servicekit.errors: typed errors survive nameko's RPC (de)serialisation intact."""
import json
from decimal import Decimal

import pytest
from nameko.exceptions import RemoteError, deserialize, get_module_path, registry, serialize

from servicekit import errors
from servicekit.errors import AppError, BadRequest, ValidationFailed

EXPECTED_STATUS = {
    "AppError": 500,
    "BadRequest": 400,
    "ValidationFailed": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "Gone": 410,
    "PayloadTooLarge": 413,
    "UnsupportedMediaType": 415,
    "Locked": 423,
    "TooManyRequests": 429,
    "ServiceUnavailable": 503,
}


def _module_error_classes():
    found, todo = [AppError], [AppError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__ == errors.__name__ and sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


ERROR_CLASSES = _module_error_classes()

DETAILS = {
    "count": 3,
    "ratio": 0.5,
    "ok": True,
    "nothing": None,
    "nested": {"limit_bytes": 1048576, "items": [1, 2, {"deep": -7}], "名称": "北京某某科技有限公司"},
}


def over_the_wire(exc):
    """What nameko does to an exception raised by an RPC: serialize, send as JSON, rebuild."""
    return deserialize(json.loads(json.dumps(serialize(exc))))


def test_every_error_class_is_known_and_registered():
    assert {cls.__name__ for cls in ERROR_CLASSES} == set(EXPECTED_STATUS)
    for cls in ERROR_CLASSES:
        assert registry[get_module_path(cls)] is cls
        assert cls.status == EXPECTED_STATUS[cls.__name__]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_defaults_survive_the_round_trip(cls):
    original = cls()
    rebuilt = over_the_wire(original)
    assert type(rebuilt) is cls
    assert rebuilt.code == original.code == cls.default_code
    assert rebuilt.message == cls.default_zh
    assert rebuilt.message_en == cls.default_en
    assert rebuilt.status == cls.status
    assert isinstance(rebuilt.status, int)
    assert rebuilt.details == {}
    assert rebuilt.to_dict() == original.to_dict()


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_custom_fields_and_nested_details_survive_the_round_trip(cls):
    original = cls(code="SOMETHING_SPECIFIC", message="期间已结账", message_en="The period is closed",
                   details=DETAILS)
    serialized = serialize(original)
    # nameko stringifies numbers in args: the details travel as JSON text
    assert all(isinstance(arg, str) for arg in serialized["exc_args"])
    rebuilt = over_the_wire(original)
    assert type(rebuilt) is cls
    assert rebuilt.code == "SOMETHING_SPECIFIC"
    assert rebuilt.message == "期间已结账"
    assert rebuilt.message_en == "The period is closed"
    assert rebuilt.status == cls.status and isinstance(rebuilt.status, int)
    assert rebuilt.details == DETAILS
    assert isinstance(rebuilt.details["count"], int)
    assert isinstance(rebuilt.details["nested"]["limit_bytes"], int)
    assert rebuilt.details["ok"] is True and rebuilt.details["nothing"] is None
    assert str(rebuilt) == "SOMETHING_SPECIFIC: The period is closed"


def test_explicit_status_survives_as_int():
    rebuilt = over_the_wire(AppError(code="TEAPOT", status="418"))
    assert rebuilt.status == 418 and isinstance(rebuilt.status, int)
    assert over_the_wire(BadRequest(status=422)).status == 422
    # an explicit status on one instance does not change the class
    assert BadRequest.status == 400


def test_validation_failed_with_fields_survives_the_round_trip():
    fields = {"amount": ["金额格式不正确 / invalid amount"], "lines": {"0": {"account": ["必填 / required"]}}}
    original = ValidationFailed(fields=fields, details={"in": "body", "limit": 5})
    assert original.details == {"in": "body", "limit": 5, "fields": fields}
    rebuilt = over_the_wire(original)
    assert type(rebuilt) is ValidationFailed
    assert isinstance(rebuilt, BadRequest)
    assert rebuilt.code == "VALIDATION_FAILED" and rebuilt.status == 400
    assert rebuilt.details == {"in": "body", "limit": 5, "fields": fields}
    # and a second hop (a service re-raising what it got) changes nothing
    again = over_the_wire(rebuilt)
    assert again.to_dict() == original.to_dict()


def test_validation_failed_fields_only_and_details_as_json_text():
    assert ValidationFailed(fields={"a": ["x"]}).details == {"fields": {"a": ["x"]}}
    assert ValidationFailed(details='{"in": "query"}', fields={"b": ["y"]}).details == {
        "in": "query", "fields": {"b": ["y"]}}
    assert ValidationFailed().details == {}


def test_details_given_as_json_text_are_parsed():
    assert AppError(details='{"n": 1, "m": {"k": [2]}}').details == {"n": 1, "m": {"k": [2]}}


def test_non_json_values_in_details_travel_as_strings():
    rebuilt = over_the_wire(errors.Conflict(details={"amount": Decimal("1234.50")}))
    assert rebuilt.details == {"amount": "1234.50"}


def test_to_dict_shape():
    exc = errors.NotFound(details={"user_id": "u-1"})
    assert exc.to_dict() == {
        "code": "NOT_FOUND",
        "message": "找不到该资源",
        "message_en": "Not found",
        "details": {"user_id": "u-1"},
    }
    assert list(exc.to_dict()) == ["code", "message", "message_en", "details"]
    assert json.loads(json.dumps(exc.to_dict(), ensure_ascii=False)) == exc.to_dict()


def test_a_later_subclass_registers_itself():
    class LedgerUnbalanced(BadRequest):
        default_code = "LEDGER_UNBALANCED"
        default_zh = "借贷不平"
        default_en = "Debits and credits do not balance"

    try:
        rebuilt = over_the_wire(LedgerUnbalanced(details={"debit": "10.00", "credit": "9.00"}))
        assert type(rebuilt) is LedgerUnbalanced
        assert rebuilt.code == "LEDGER_UNBALANCED" and rebuilt.status == 400
        assert rebuilt.details == {"debit": "10.00", "credit": "9.00"}
    finally:
        registry.pop(get_module_path(LedgerUnbalanced), None)


def test_plain_exceptions_stay_remote_errors():
    rebuilt = over_the_wire(KeyError("secret internals"))
    assert isinstance(rebuilt, RemoteError)
    assert not isinstance(rebuilt, AppError)
