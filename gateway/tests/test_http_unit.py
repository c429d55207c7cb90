"""gateway.http: JSON encoding, the caller's IP, body parsing and reply shaping."""
import io
import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import nameko
import pytest
from nameko.exceptions import RemoteError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.http import ApiRoute, client_ip, idempotency_key, json_default, json_response, path_params, query_params
from servicekit.errors import (
    AppError, BadRequest, Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed,
)


def make_request(method="POST", data=None, content_type="application/json", headers=None,
                 remote_addr="10.0.0.9", **kw):
    builder = EnvironBuilder(method=method, path="/api/v1/things", data=data, content_type=content_type,
                             headers=headers or {}, environ_base={"REMOTE_ADDR": remote_addr}, **kw)
    return builder.get_request()


def streamed_request(body, content_type="application/json", terminated=True):
    """A request without Content-Length (chunked upload). A server that de-chunks
    sets wsgi.input_terminated; eventlet.wsgi (what nameko serves with) does not."""
    env = EnvironBuilder(method="POST", path="/api/v1/things", content_type=content_type).get_environ()
    env.pop("CONTENT_LENGTH", None)
    env["HTTP_TRANSFER_ENCODING"] = "chunked"
    env["wsgi.input"] = io.BytesIO(body)
    if terminated:
        env["wsgi.input_terminated"] = True
    return Request(env)


@pytest.fixture
def route():
    return ApiRoute("POST", "/api/v1/things", summary="测试 / test")


@pytest.fixture
def small_limit():
    with nameko.config.patch({"MAX_JSON_BODY_BYTES": 100}):
        yield 100


# --------------------------------------------------------------------------- json_default

def test_json_default_conversions():
    assert json_default(Decimal("1234.50")) == "1234.50"
    assert json_default(Decimal("-0.01")) == "-0.01"
    assert json_default(datetime(2026, 1, 31, 8, 30, 0, tzinfo=timezone.utc)) == "2026-01-31T08:30:00+00:00"
    assert json_default(datetime(2026, 1, 31, 8, 30, 0, 123000)) == "2026-01-31T08:30:00.123000"
    assert json_default(date(2026, 2, 1)) == "2026-02-01"
    some = uuid.UUID("7c1e0a3e-5b7a-4d52-9a1e-0f0e5c3b2a11")
    assert json_default(some) == "7c1e0a3e-5b7a-4d52-9a1e-0f0e5c3b2a11"


@pytest.mark.parametrize("value", [object(), {1, 2}, b"bytes", 1.5j, Request])
def test_json_default_refuses_other_types(value):
    with pytest.raises(TypeError, match="not JSON serialisable"):
        json_default(value)


def test_json_response_encodes_everything_unescaped():
    response = json_response({"amount": Decimal("12.30"), "name": "张三", "on": date(2026, 1, 1)}, status=201,
                             headers={"Location": "/x"})
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.headers["Location"] == "/x"
    assert "张三" in response.get_data(as_text=True)
    assert json.loads(response.get_data()) == {"amount": "12.30", "name": "张三", "on": "2026-01-01"}


# --------------------------------------------------------------------------- client_ip

@pytest.mark.parametrize("hops, forwarded, expected", [
    (0, None, "10.0.0.9"),
    (0, "6.6.6.6", "10.0.0.9"),                                  # no proxy trusted: the header is ignored
    (0, "6.6.6.6, 203.0.113.5", "10.0.0.9"),
    (1, None, "10.0.0.9"),                                       # no header: the peer
    (1, "203.0.113.5", "203.0.113.5"),                           # what our proxy saw
    (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),                  # the client's own claim is not believed
    (1, "6.6.6.6,7.7.7.7 ,  203.0.113.5", "203.0.113.5"),
    (1, "", "10.0.0.9"),
    (1, " , ", "10.0.0.9"),
    (2, "203.0.113.5, 172.16.0.2", "203.0.113.5"),               # outer proxy, then inner proxy
    (2, "6.6.6.6, 203.0.113.5, 172.16.0.2", "203.0.113.5"),      # spoofed entry before them is skipped
    (2, "172.16.0.2", "10.0.0.9"),                               # fewer entries than hops: the peer
])
def test_client_ip(hops, forwarded, expected):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    with nameko.config.patch({"TRUSTED_PROXY_HOPS": hops}):
        assert client_ip(make_request("GET", headers=headers)) == expected


def test_client_ip_hops_from_environment(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")
    with nameko.config.patch({"TRUSTED_PROXY_HOPS": None}):
        assert client_ip(make_request("GET", headers={"X-Forwarded-For": "1.2.3.4, 5.6.7.8"})) == "5.6.7.8"


# --------------------------------------------------------------------------- read_json_body

@pytest.mark.parametrize("data", [None, b"", b"   \n", b"\r\n"])
def test_empty_body_is_an_empty_object(route, data):
    assert route.read_json_body(make_request(data=data)) == {}


def test_empty_body_needs_no_content_type(route):
    assert route.read_json_body(make_request(data=b"", content_type=None)) == {}


def test_json_numbers_stay_json_numbers(route):
    """The gateway does not guess: an amount sent as a number reaches the service as one,
    and the service's Money field refuses it (amounts are strings)."""
    body = '{"amount": 1234.50, "rate": 0.1, "count": 3, "name": "北京某某科技", "nested": {"x": [1.25, 2]}}'
    payload = route.read_json_body(make_request(data=body.encode()))
    assert payload == {"amount": 1234.5, "rate": 0.1, "count": 3, "name": "北京某某科技", "nested": {"x": [1.25, 2]}}
    assert isinstance(payload["amount"], float) and isinstance(payload["count"], int)


@pytest.mark.parametrize("data", [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}'])
def test_nan_and_infinity_are_not_json(route, data):
    with pytest.raises(BadRequest) as info:
        route.read_json_body(make_request(data=data))
    assert info.value.code == "MALFORMED_JSON"


@pytest.mark.parametrize("data", [None, b"", b"  \n"])
def test_a_patch_needs_a_body(data):
    patch = ApiRoute("PATCH", "/api/v1/things/<thing_id>", summary="改 / change")
    with pytest.raises(BadRequest) as info:
        patch.read_json_body(make_request(method="PATCH", data=data))
    assert info.value.code == "BODY_REQUIRED" and info.value.status == 400
    assert patch.read_json_body(make_request(method="PATCH", data=b"{}")) == {}  # an empty object is a body


def test_charset_parameter_is_fine(route):
    request = make_request(data='{"a": "测试"}'.encode(), content_type="application/json; charset=utf-8")
    assert route.read_json_body(request) == {"a": "测试"}


@pytest.mark.parametrize("data", [b"{", b"{'a': 1}", b'{"a": }', b"nul", b'{"a": 1} x', b"\xff\xfe{}",
                                  '{"a": "测试"}'.encode("gbk")])
def test_malformed_json(route, data):
    with pytest.raises(BadRequest) as info:
        route.read_json_body(make_request(data=data))
    assert info.value.code == "MALFORMED_JSON"
    assert info.value.status == 400
    assert len(info.value.details.get("reason", "")) <= 200


@pytest.mark.parametrize("data", [b"[]", b'[{"a": 1}]', b"1", b'"text"', b"null", b"true"])
def test_non_object_json_is_malformed(route, data):
    with pytest.raises(BadRequest) as info:
        route.read_json_body(make_request(data=data))
    assert info.value.code == "MALFORMED_JSON"
    assert info.value.message_en == "The request body must be a JSON object"


def test_deeply_nested_json_is_a_bad_request(route):
    depth = 100_000
    body = ('{"a": ' + "[" * depth + "]" * depth + "}").encode()
    with pytest.raises(BadRequest) as info:
        route.read_json_body(make_request(data=body))
    assert info.value.code == "MALFORMED_JSON"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml", None])
def test_wrong_content_type(route, content_type):
    with pytest.raises(UnsupportedMediaType) as info:
        route.read_json_body(make_request(data=b'{"a": 1}', content_type=content_type))
    assert info.value.status == 415
    assert info.value.details == {"expected": "application/json"}


def test_too_large_by_content_length(route, small_limit):
    request = make_request(data=b'{"a": "' + b"x" * 200 + b'"}')
    assert request.content_length > small_limit
    with pytest.raises(PayloadTooLarge) as info:
        route.read_json_body(request)
    assert info.value.status == 413
    assert info.value.details == {"limit_bytes": small_limit}


def test_exactly_at_the_limit_is_fine(route, small_limit):
    body = b'{"a": "' + b"x" * (small_limit - 9) + b'"}'
    assert len(body) == small_limit
    assert route.read_json_body(make_request(data=body)) == {"a": "x" * (small_limit - 9)}


def test_content_length_is_checked_before_reading(route, small_limit):
    env = EnvironBuilder(method="POST", data=b"{}", content_type="application/json").get_environ()
    env["CONTENT_LENGTH"] = "999999999"  # what the client claims; nothing more is read
    with pytest.raises(PayloadTooLarge):
        route.read_json_body(Request(env))


def test_limit_comes_from_the_setting(route, monkeypatch):
    monkeypatch.delenv("MAX_JSON_BODY_BYTES", raising=False)
    body = b'{"a": "' + b"x" * 5000 + b'"}'
    with nameko.config.patch({"MAX_JSON_BODY_BYTES": None}):
        assert route.read_json_body(make_request(data=body)) == {"a": "x" * 5000}  # default 1 MiB
    with nameko.config.patch({"MAX_JSON_BODY_BYTES": 4096}):
        with pytest.raises(PayloadTooLarge) as info:
            route.read_json_body(make_request(data=body))
    assert info.value.details == {"limit_bytes": 4096}


def test_a_bulk_route_has_its_own_larger_limit(route, monkeypatch):
    monkeypatch.delenv("MAX_BULK_JSON_BODY_BYTES", raising=False)
    bulk = ApiRoute("POST", "/api/v1/things/batch", summary="批量 / batch", bulk_body=True)
    body = b'{"a": "' + b"x" * 5000 + b'"}'
    with nameko.config.patch({"MAX_JSON_BODY_BYTES": 4096, "MAX_BULK_JSON_BODY_BYTES": None}):
        assert bulk.read_json_body(make_request(data=body)) == {"a": "x" * 5000}  # default 16 MiB
        with pytest.raises(PayloadTooLarge):
            route.read_json_body(make_request(data=body))  # an ordinary route keeps 4096
    with nameko.config.patch({"MAX_BULK_JSON_BODY_BYTES": 4096}):
        with pytest.raises(PayloadTooLarge) as info:
            bulk.read_json_body(make_request(data=body))
    assert info.value.details == {"limit_bytes": 4096}


def test_streamed_body_within_the_limit_is_read(route, small_limit):
    assert route.read_json_body(streamed_request(b'{"a": "1.50"}')) == {"a": "1.50"}


def test_too_large_by_actual_size_without_content_length(route, small_limit):
    request = streamed_request(b'{"a": "' + b"x" * 500 + b'"}')
    assert request.content_length is None
    with pytest.raises(PayloadTooLarge):
        route.read_json_body(request)


def test_chunked_body_is_never_silently_dropped(route):
    request = streamed_request(b'{"name": "new"}', terminated=False)
    try:
        payload = route.read_json_body(request)
    except AppError:
        return  # refusing it is fine
    assert payload == {"name": "new"}


# --------------------------------------------------------------------------- query, path, headers

def query_of(query_string):
    return query_params(make_request("GET", query_string=query_string.decode("ascii")))


def test_query_is_a_dict_of_strings_as_sent():
    assert query_of(b"page=2&page_size=50&q=%E5%8C%97%E4%BA%AC+x&flag") == {
        "page": "2", "page_size": "50", "q": "北京 x", "flag": ""}
    assert query_of(b"") == {}
    assert query_of(b"a=1&a=2&&b=") == {"a": "1", "b": ""}  # the first of a repeated name


@pytest.mark.parametrize("query_string, name", [
    (b"q=a%00b", "q"), (b"action=%1b[2J", "action"), (b"q=%C2%85", "q"), (b"q=a%E2%80%A8b", "q"),
    (b"q=%ED%A0%80", "q"),  # a surrogate encoded as UTF-8 is not UTF-8
    (b"q=%FF", "q"), (b"page=1&x%00y=1", "x\\x00y"),
])
def test_bad_query_text_is_400_naming_the_parameter(query_string, name):
    with pytest.raises(ValidationFailed) as info:
        query_of(query_string)
    assert info.value.status == 400 and info.value.details["in"] == "query"
    assert list(info.value.details["fields"]) == [name]


def test_tabs_and_newlines_are_control_characters_in_a_query():
    with pytest.raises(ValidationFailed):
        query_of(b"q=a%09b")


def test_path_values_with_control_characters_are_400():
    request = make_request("GET")
    request.path_values = {"client_id": "abc\x00"}
    with pytest.raises(ValidationFailed) as info:
        path_params(request)
    assert info.value.details == {"in": "path", "fields": {"client_id": [info.value.details["fields"]["client_id"][0]]}}
    request.path_values = {"client_id": "not-a-uuid"}
    assert path_params(request) == {"client_id": "not-a-uuid"}  # the service answers 404 for it


@pytest.mark.parametrize("header, expected", [
    (None, None), ("", None), ("   ", None), ("abc-123", "abc-123"), (" key-1 ", "key-1"), ("k" * 200, "k" * 200),
    ("7d1c0a3e-5b7a-4d52-9a1e-0f0e5c3b2a11", "7d1c0a3e-5b7a-4d52-9a1e-0f0e5c3b2a11"),
])
def test_idempotency_key_accepted(header, expected):
    headers = {} if header is None else {"Idempotency-Key": header}
    assert idempotency_key(make_request(headers=headers)) == expected


@pytest.mark.parametrize("header", ["k" * 201, "a b", "ключ", "a\tb", "键"])
def test_idempotency_key_bounded(header):
    environ = EnvironBuilder(method="POST", path="/x").get_environ()
    environ["HTTP_IDEMPOTENCY_KEY"] = header.encode("utf-8").decode("latin-1")
    with pytest.raises(BadRequest) as info:
        idempotency_key(Request(environ))
    assert info.value.code == "IDEMPOTENCY_KEY_INVALID" and info.value.status == 400


def test_an_empty_upload_goes_on_to_the_service():
    upload = ApiRoute("POST", "/api/v1/things/import", summary="导入 / import", upload=True)
    request = make_request(data=b"", content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           headers={"X-Filename": "a.xlsx"})
    assert upload.read_upload(request)["content_base64"] == ""  # FILE_EMPTY comes after the permission check


def test_a_lone_surrogate_echoed_in_an_error_is_escaped():
    response = json_response({"error": {"details": {"fields": {"\ud800": ["Unknown field."]}}}}, status=400)
    assert response.status_code == 400
    assert json.loads(response.get_data()) == {"error": {"details": {"fields": {"\ud800": ["Unknown field."]}}}}


# --------------------------------------------------------------------------- replies

def body_of(response):
    return json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize("exc", [
    BadRequest(details={"reason": "x"}),
    ValidationFailed(fields={"name": ["必填"]}),
    NotFound(code="USER_NOT_FOUND", message="找不到用户", message_en="No such user", details={"user_id": "u"}),
    Conflict(code="IDEMPOTENCY_KEY_REUSED"),
    AppError(code="TEAPOT", status=418),
    AppError(),
])
def test_response_from_app_error(route, exc):
    response = route.response_from_exception(exc)
    assert response.status_code == exc.status
    assert response.mimetype == "application/json"
    assert body_of(response) == {"error": {"code": exc.code, "message": exc.message,
                                           "message_en": exc.message_en, "details": exc.details}}


def test_remote_error_is_an_opaque_500(route, caplog):
    exc = RemoteError("OperationalError", "password authentication failed for user ledger at 10.1.2.3")
    response = route.response_from_exception(exc)
    assert response.status_code == 500
    body = body_of(response)
    assert body == {"error": {"code": "INTERNAL_ERROR", "message": "服务器内部错误", "message_en": "Internal error",
                              "details": {}}}
    text = response.get_data(as_text=True)
    assert "OperationalError" not in text and "password" not in text and "10.1.2.3" not in text
    assert any("password authentication failed" in r.getMessage() for r in caplog.records)  # logged, not shown


def test_unexpected_gateway_error_is_an_opaque_500(route):
    response = route.response_from_exception(KeyError("internal detail"))
    assert response.status_code == 500
    assert body_of(response)["error"]["code"] == "INTERNAL_ERROR"
    assert "internal detail" not in response.get_data(as_text=True)


def test_response_from_result_dict_uses_the_route_status():
    route = ApiRoute("POST", "/x", summary="s", status=201)
    response = route.response_from_result({"id": "u-1", "amount": Decimal("1.50")})
    assert response.status_code == 201
    assert body_of(response) == {"id": "u-1", "amount": "1.50"}
    assert ApiRoute("GET", "/x", summary="s").response_from_result({"a": 1}).status_code == 200


def test_response_from_result_status_and_payload(route):
    response = route.response_from_result((202, {"sent": True}))
    assert response.status_code == 202
    assert body_of(response) == {"sent": True}


def test_response_from_result_status_headers_payload(route):
    response = route.response_from_result((201, {"Location": "/api/v1/things/1", "X-Extra": "y"}, {"id": 1}))
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/things/1"
    assert response.headers["X-Extra"] == "y"
    assert body_of(response) == {"id": 1}


def test_response_from_result_no_content(route):
    response = route.response_from_result((204, None))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.mimetype != "application/json"
    route_204 = ApiRoute("DELETE", "/x", summary="s", status=204)
    assert route_204.response_from_result(None).get_data() == b""


def test_response_from_result_passes_responses_through(route):
    original = Response("raw", status=302, headers={"Location": "/elsewhere"})
    assert route.response_from_result(original) is original


def test_response_from_result_list_payload(route):
    response = route.response_from_result([{"a": 1}])
    assert body_of(response) == [{"a": 1}]
