"""The OpenAPI 3 document, generated from the gateway's own routes and the contracts
(contracts/<service>/schemas.py and responses.py) the services validate with and
reply by, so the document cannot drift from the code (tests/integration/test_openapi.py
checks the routes and the document agree, and that Idempotency-Key is advertised
exactly where a retry returns the first reply).

Every field of servicekit.schema says what it is (`openapi()`): money and period
patterns, `format: uuid`/`date`, lengths. 2xx replies have their schema (a generic
object where contracts has none); 4xx and 5xx the error shape."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from contracts.clients.labels import ASSIGNMENT_ROLES

from .http import ApiRoute

_PATH_VAR = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

# the URL's variables: ids are UUIDs (a malformed one is a 404 from the service)
PATH_SCHEMAS = {
    "period": {"type": "string", "pattern": r"^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$", "example": "2026-01"},
    "code": {"type": "string", "pattern": r"^[0-9]{4}([0-9]{2}){0,3}$", "example": "100201"},
    "role": {"type": "string", "enum": list(ASSIGNMENT_ROLES)},
}
UUID_PATH = {"type": "string", "format": "uuid"}
GENERIC_REPLY = {"type": "object", "description": "见接口说明 / see the summary"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_STATUSES = {
    "400": "输入有误 / Bad input (details.fields names each wrong field)",
    "401": "未登录 / Not authenticated",
    "403": "无权限 / Not allowed",
    "404": "不存在 / Not found",
    "409": "与当前状态冲突 / Conflicts with the current state",
    "413": "内容过大 / Too large",
    "415": "不是 JSON / Not JSON",
    "429": "请求过多 / Too many requests from this IP",
    "503": "服务暂不可用 / A service is unavailable",
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "message_en", "details"], "properties": {
        "code": {"type": "string", "example": "VALIDATION_FAILED"},
        "message": {"type": "string", "description": "中文说明 / Chinese message"},
        "message_en": {"type": "string", "description": "English message"},
        "details": {"type": "object"},
    }}},
}


def api_routes(service_cls):
    """(method name, ApiRoute) for every route on the gateway class, in a stable order."""
    found = []
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, ApiRoute) and entrypoint.documented:
                found.append((name, entrypoint))
    return sorted(found, key=lambda item: (item[1].url, item[1].method))


def openapi_path(url):
    return _PATH_VAR.sub(r"{\1}", url)


def field_openapi(converter, field, ret=None, **kwargs):
    """apispec attribute function: what a servicekit/contracts field says of itself
    (a pattern from the field's own Regexp validator is kept)."""
    describe = getattr(field, "openapi", None)
    if not callable(describe):
        return {}
    said = describe()
    if ret and "pattern" in ret:
        said.pop("pattern", None)
    return said


def path_parameter(name):
    schema = PATH_SCHEMAS.get(name, UUID_PATH if name.endswith("_id") else {"type": "string"})
    return {"name": name, "in": "path", "required": True, "schema": dict(schema)}


def error_response(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def success_response(route):
    description = route.responses.get(route.status, "OK")
    if route.status == 204:
        return {"description": description}
    if route.download:
        return {"description": description, "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
    schema = route.reply_schema if route.reply_schema is not None else GENERIC_REPLY
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def build_openapi(service_cls, server_url=None):
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Suanpan 算盘 API", version="1.0.0", openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "代理记账平台 HTTP API / Agency bookkeeping platform HTTP API. "
                             "Amounts are JSON strings with at most 2 decimals (a JSON number is refused); "
                             "dates are YYYY-MM-DD and periods YYYY-MM in ASCII digits; text is trimmed and "
                             "may not hold control characters. See docs/api.md."},
        servers=[{"url": server_url}] if server_url else [],
    )
    plugin.converter.add_attribute_function(field_openapi)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", ERROR_SCHEMA)
    paths = {}
    for name, route in api_routes(service_cls):
        errors = ["400", "404", "409", "503"]
        if not route.public:
            errors += ["401", "403"]
        if route.rate_limit:
            errors.append("429")
        if route.upload or route.method in ("POST", "PUT", "PATCH"):
            errors += ["413", "415"]
        responses = {str(route.status): success_response(route)}
        responses.update({status: error_response(ERROR_STATUSES[status]) for status in sorted(errors)})
        responses["default"] = error_response("其他错误（410、423、500…）/ Any other error (410, 423, 500 …)")
        operation = {"operationId": name, "summary": route.summary, "tags": list(route.tags),
                     "responses": responses}
        if route.description:
            operation["description"] = route.description
        if not route.public:
            operation["security"] = [{"bearer": []}]
        parameters = [path_parameter(var) for var in _PATH_VAR.findall(route.url)]
        if route.query_schema is not None:
            parameters.append({"in": "query", "schema": route.query_schema})
        if route.idempotent:
            parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                               "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,200}$", "maxLength": 200},
                               "description": "重试时返回首次结果（相同的键、不同的请求体：409）/ a retry returns "
                                              "the first reply (the same key with another body: 409)"})
        if parameters:
            operation["parameters"] = parameters
        if route.upload:
            operation["requestBody"] = {"required": True, "content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                   "properties": {"file": {"type": "string", "format": "binary"}}}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            }}
            responses["413"] = error_response("文件超过 MAX_UPLOAD_BYTES / File larger than MAX_UPLOAD_BYTES")
        elif route.body_schema is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": route.body_schema}}}
        paths.setdefault(openapi_path(route.url), {})[route.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
