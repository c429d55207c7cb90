"""The OpenAPI 3 document, generated from the gateway's own routes and the
marshmallow schemas they validate with, so the document cannot drift from the code
(tests/integration/test_openapi.py checks the routes and the document agree)."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from .http import ApiRoute

_PATH_VAR = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
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


def build_openapi(service_cls, server_url=None):
    spec = APISpec(
        title="Suanpan 算盘 API", version="1.0.0", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "代理记账平台 HTTP API / Agency bookkeeping platform HTTP API. "
                             "Amounts are strings with 2 decimals; periods are YYYY-MM."},
        servers=[{"url": server_url}] if server_url else [],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", ERROR_SCHEMA)
    paths = {}
    for name, route in api_routes(service_cls):
        operation = {
            "operationId": name,
            "summary": route.summary,
            "tags": list(route.tags),
            "responses": {
                str(route.status): {"description": route.responses.get(route.status, "OK")},
                "400": {"description": "Bad input", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        }
        if route.description:
            operation["description"] = route.description
        if not route.public:
            operation["security"] = [{"bearer": []}]
            operation["responses"]["401"] = {"description": "Not authenticated"}
            operation["responses"]["403"] = {"description": "Not allowed"}
        if route.rate_limit:
            operation["responses"]["429"] = {"description": "Too many requests from this IP"}
        operation["responses"]["503"] = {"description": "A service is unavailable"}
        parameters = [{"name": var, "in": "path", "required": True, "schema": {"type": "string"}}
                      for var in _PATH_VAR.findall(route.url)]
        if route.query_schema is not None:
            parameters.append({"in": "query", "schema": route.query_schema})
        if route.method in ("POST",) and not route.public:
            parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                               "schema": {"type": "string", "maxLength": 200},
                               "description": "重试时返回首次结果 / a retry returns the first result"})
        if parameters:
            operation["parameters"] = parameters
        if route.upload:
            operation["requestBody"] = {"required": True, "content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                   "properties": {"file": {"type": "string", "format": "binary"}}}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}},
            }}
            operation["responses"]["413"] = {"description": "File larger than MAX_UPLOAD_BYTES"}
        elif route.body_schema is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": route.body_schema}}}
        paths.setdefault(openapi_path(route.url), {})[route.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
