"""The gateway's one entrypoint type: an HTTP route that authenticates, parses and
bounds the request before a worker runs, and shapes every reply as JSON.

    @api("POST", "/api/v1/users", summary="创建用户 / Create a user", body=CreateUserSchema)
    def create_user(self, req):
        return 201, call(self.identity, "create_user", req.body)

The handler gets an ApiRequest; the auth context and the caller's IP travel to the
services in nameko context data. Errors become {"error": {code, message, message_en,
details}} with the AppError's status; anything unexpected is a logged 500 that says
nothing of the internals.
"""
import base64
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from eventlet.event import Event
from marshmallow import ValidationError
from nameko.exceptions import RemoteError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from servicekit.auth import AuthContext, signed_context, signing_key
from servicekit.config import setting
from servicekit.web import HttpEndpoint
from servicekit.errors import (
    AppError, BadRequest, Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType, ValidationFailed,
)

from .security import AuthState, RateLimiter

log = logging.getLogger(__name__)

BODY_METHODS = {"POST", "PUT", "PATCH"}


def json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(payload, status=200, headers=None):
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, default=json_default)
    return Response(body, status=status, headers=headers,
                    mimetype="application/json" if payload is not None else None)


def file_response(content_base64, filename, mimetype):
    """A download (Excel, PDF): the service sends the bytes base64-encoded over RPC."""
    from urllib.parse import quote

    return Response(base64.b64decode(content_base64), mimetype=mimetype, headers={
        # RFC 6266/5987: Chinese file names survive every browser
        "Content-Disposition": f"attachment; filename=\"download\"; filename*=UTF-8''{quote(filename)}",
    })


def error_response(exc):
    return json_response({"error": exc.to_dict()}, status=exc.status)


def read_bounded(request, limit):
    """The request body, at most `limit` bytes, else 413. With a Content-Length the
    claim is checked before reading; a chunked body (no length) is read from the
    de-chunked WSGI input up to one byte past the limit."""
    if request.content_length is not None:
        if request.content_length > limit:
            raise PayloadTooLarge(details={"limit_bytes": limit})
        return request.get_data(cache=True)
    data = request.environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(details={"limit_bytes": limit})
    return data


def client_ip(request):
    """The caller's address; X-Forwarded-For is believed only for the number of
    proxies we were told sit in front of us (TRUSTED_PROXY_HOPS)."""
    hops = setting("TRUSTED_PROXY_HOPS", 0, int)
    if hops > 0:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr


@dataclass
class ApiRequest:
    raw: object
    auth: AuthContext = None
    body: dict = None  # validated by the route's schema (types converted)
    json: dict = None  # the JSON object as sent: what is passed on to services
    query: dict = field(default_factory=dict)
    path: dict = field(default_factory=dict)
    ip: str = None
    user_agent: str = None
    idempotency_key: str = None
    upload: dict = None  # for upload routes: {"filename", "content_type", "content_base64"}


class ApiRoute(HttpEndpoint):
    auth_state = AuthState()
    limiter = RateLimiter()

    def __init__(self, method, url, *, summary, tags=(), public=False, body=None, query=None,
                 status=200, rate_limit=None, responses=None, description=None, documented=True,
                 before_mfa=False, upload=False, bulk_body=False, **kwargs):
        self.summary = summary
        self.tags = tuple(tags)
        self.public = public
        self.body_schema = body
        self.query_schema = query
        self.status = status
        self.rate_limit = rate_limit
        self.responses = responses or {}
        self.description = description
        self.before_mfa = before_mfa  # usable by a user who must still enrol MFA (agency policy)
        self.documented = documented  # False only for the catch-all that turns unknown paths into JSON 404s
        self.upload = upload  # takes a file (multipart field "file", or the raw body) instead of JSON
        # a batch of up to the ledger's 10,000 vouchers: MAX_BULK_JSON_BODY_BYTES, not MAX_JSON_BODY_BYTES
        self.bulk_body = bulk_body
        self.context_key = None
        super().__init__(method, url, **kwargs)

    def setup(self):
        self.context_key = signing_key()  # the auth context is signed for the services (servicekit.auth)
        super().setup()

    # -- request parsing -------------------------------------------------
    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(code="TOKEN_MISSING", message="缺少访问令牌",
                               message_en="Missing bearer access token")
        claims = self.auth_state.verify(token.strip())
        if claims.get("mfa_enrol") and not self.before_mfa:
            raise Forbidden(code="MFA_ENROLMENT_REQUIRED", message="本机构要求开启动态口令，请先完成绑定",
                            message_en="Your agency requires MFA: enrol first (POST /api/v1/me/mfa/enrol)")
        return AuthContext(
            agency_id=claims["agency"], user_id=claims["sub"], roles=tuple(claims.get("roles", ())),
            session_id=claims.get("sid"), client_id=claims.get("client_id"),
        )

    def body_limit(self):
        if self.bulk_body:
            return setting("MAX_BULK_JSON_BODY_BYTES", 16 * 1024 * 1024, int)
        return setting("MAX_JSON_BODY_BYTES", 1024 * 1024, int)

    def read_json_body(self, request):
        data = read_bounded(request, self.body_limit())
        if not data.strip():
            data = b"{}"
        elif request.mimetype != "application/json":
            raise UnsupportedMediaType(details={"expected": "application/json"})
        try:
            payload = json.loads(data.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise BadRequest(code="MALFORMED_JSON", message="请求体不是有效的 JSON",
                             message_en="The request body is not valid JSON",
                             details={"reason": str(exc)[:200]}) from exc
        if not isinstance(payload, dict):
            raise BadRequest(code="MALFORMED_JSON", message="请求体必须是 JSON 对象",
                             message_en="The request body must be a JSON object")
        return payload

    def read_upload(self, request):
        """The uploaded file, bounded by MAX_UPLOAD_BYTES: a multipart form's "file"
        field, or the whole body sent with the file's own content type."""
        limit = setting("MAX_UPLOAD_BYTES", 10 * 1024 * 1024, int)
        if request.content_length is not None and request.content_length > limit + 64 * 1024:
            raise PayloadTooLarge(details={"limit_bytes": limit})
        request.max_content_length = limit + 64 * 1024  # room for the multipart framing
        if request.content_length is None:
            # a chunked body: eventlet de-chunks and ends the stream, werkzeug must be told
            request.environ["wsgi.input_terminated"] = True
        try:
            if request.mimetype == "multipart/form-data":
                stored = request.files.get("file")
                if stored is None:
                    raise BadRequest(code="FILE_MISSING", message="请上传文件（表单字段 file）",
                                     message_en="Upload a file in the form field \"file\"")
                data, filename, content_type = stored.read(limit + 1), stored.filename, stored.mimetype
            else:
                data = read_bounded(request, limit)
                filename, content_type = request.headers.get("X-Filename", ""), request.mimetype
        except RequestEntityTooLarge as exc:
            raise PayloadTooLarge(details={"limit_bytes": limit}) from exc
        if len(data) > limit:
            raise PayloadTooLarge(details={"limit_bytes": limit})
        if not data:
            raise BadRequest(code="FILE_EMPTY", message="上传的文件是空的", message_en="The uploaded file is empty")
        return {"filename": (filename or "upload")[:200], "content_type": content_type,
                "content_base64": base64.b64encode(data).decode()}

    @staticmethod
    def validate(schema_cls, data, where):
        try:
            return schema_cls().load(data)
        except ValidationError as exc:
            raise ValidationFailed(fields=exc.messages, details={"in": where}) from exc

    def parse(self, request):
        ip = client_ip(request)
        if self.rate_limit:
            self.limiter.hit(ip, self.rate_limit)
        auth = None if self.public else self.authenticate(request)
        if auth is not None:
            auth = AuthContext(**{**auth.__dict__, "ip": ip,
                                  "user_agent": request.headers.get("User-Agent", "")[:300]})
        body = raw_json = upload = None
        if self.upload:
            upload = self.read_upload(request)
        elif self.method in BODY_METHODS:
            body = raw_json = self.read_json_body(request)
            if self.body_schema is not None:
                body = self.validate(self.body_schema, raw_json, "body")
        query = dict(request.args)
        if self.query_schema is not None:
            query = self.validate(self.query_schema, query, "query")
        return ApiRequest(
            raw=request, auth=auth, body=body, json=raw_json, query=query, path=dict(request.path_values),
            ip=ip, user_agent=request.headers.get("User-Agent", "")[:300],
            idempotency_key=(request.headers.get("Idempotency-Key") or "").strip()[:200] or None,
            upload=upload,
        )

    # -- nameko entrypoint -------------------------------------------------
    def handle_request(self, request):
        request.shallow = False
        try:
            api_request = self.parse(request)
            context_data = {"client_ip": api_request.ip, "client_user_agent": api_request.user_agent}
            if api_request.auth is not None:
                context_data.update(signed_context(api_request.auth, self.context_key))
            if api_request.idempotency_key:
                context_data["idempotency_key"] = api_request.idempotency_key
            event = Event()
            self.container.spawn_worker(
                self, (api_request,), {}, context_data=context_data,
                handle_result=partial(self.handle_result, event),
            )
            result = event.wait()
            return self.response_from_result(result)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON reply
            return self.response_from_exception(exc)

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, headers, payload = self.status, None, result
        if isinstance(result, tuple):
            if len(result) == 3:
                status, headers, payload = result
            else:
                status, payload = result
        return json_response(payload, status=status, headers=headers)

    def response_from_exception(self, exc):
        if isinstance(exc, AppError):
            return error_response(exc)
        if isinstance(exc, RemoteError):
            log.error("unexpected error from a service: %s", exc)
        else:
            log.exception("unexpected error in the gateway", exc_info=exc)
        return error_response(AppError())


api = ApiRoute.decorator
