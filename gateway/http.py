"""The gateway's one entrypoint type: an HTTP route that authenticates and bounds the
request before a worker runs, and shapes every reply as JSON.

    @api("POST", "/api/v1/users", status=201, body=CreateUserSchema, idempotent=True,
         summary="创建用户 / Create a user")
    def create_user(self, req):
        return call(self.identity, "create_user", req.json)

The gateway validates no payload: the service does, with the same contracts schema,
after its permission check. The route's `body`/`query` schemas only document it in
OpenAPI. What the gateway keeps is what is not about a payload's fields: the token,
the rate limit, the size bound, that a body is a JSON object (a PATCH must have one),
that query strings and path segments are text (UTF-8, no control characters: 400
naming the parameter), and that an Idempotency-Key is 1-200 visible ASCII characters.

The handler gets an ApiRequest; the auth context and the caller's IP travel to the
services in nameko context data. Errors become {"error": {code, message, message_en,
details}} with the AppError's status; anything unexpected is a logged 500 that says
nothing of the internals.
"""
import base64
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from urllib.parse import unquote_to_bytes

from eventlet.event import Event
from nameko.exceptions import RemoteError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from servicekit.auth import AuthContext, signed_context, signing_key
from servicekit.config import setting
from servicekit.web import HttpEndpoint
from servicekit.errors import (
    AppError, BadRequest, Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType, ValidationFailed,
)
from servicekit.schema import text_problem

from .security import AuthState, RateLimiter

log = logging.getLogger(__name__)

BODY_METHODS = {"POST", "PUT", "PATCH"}
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, at most 200


def json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(payload, status=200, headers=None):
    body = b""
    if payload is not None:
        text = json.dumps(payload, ensure_ascii=False, default=json_default)
        try:
            body = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate echoed back (a refused field's name): escape it
            body = json.dumps(payload, default=json_default).encode("ascii")
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


def _shown(text):
    """A name as it may be shown back: control characters escaped."""
    return text if text_problem(text) is None else text.encode("unicode_escape", "backslashreplace").decode("ascii")


def _refused(where, name, problem):
    return ValidationFailed(fields={_shown(name): [problem]}, details={"in": where})


def query_params(request):
    """The query string as a dict of strings, as sent (the first value of a repeated
    name): the service validates it. Refused here, naming the parameter: bytes that
    are not UTF-8, control characters and lone surrogates."""
    params = {}
    for part in request.query_string.split(b"&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition(b"=")
        raw_name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        raw_value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        name = raw_name.decode("utf-8", "replace")
        try:
            raw_name.decode("utf-8")
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            raise _refused("query", name, "不是有效的 UTF-8 文本 / not valid UTF-8 text") from None
        problem = text_problem(name) or text_problem(value)
        if problem:
            raise _refused("query", name, problem)
        params.setdefault(name, value)
    return params


def path_params(request):
    """The URL's variables; control characters are refused, naming the variable."""
    values = dict(request.path_values)
    for name, value in values.items():
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise _refused("path", name, problem)
    return values


def idempotency_key(request):
    """The Idempotency-Key header (None if absent): 1-200 visible ASCII characters."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if not IDEMPOTENCY_KEY.match(key):
        raise BadRequest(code="IDEMPOTENCY_KEY_INVALID",
                         message="Idempotency-Key 应为1至200个可见 ASCII 字符",
                         message_en="Idempotency-Key must be 1 to 200 visible ASCII characters",
                         details={"header": "Idempotency-Key", "length": len(key)})
    return key


def _not_json(constant):
    raise ValueError(f"{constant} is not JSON")


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
    json: dict = None  # the JSON object as sent: what is passed on to services, who validate it
    query: dict = field(default_factory=dict)  # the query string, name -> text as sent
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
                 before_mfa=False, upload=False, bulk_body=False, idempotent=False, reply=None, download=False,
                 **kwargs):
        self.summary = summary
        self.tags = tuple(tags)
        self.public = public
        # the contracts schemas of the body and the query: for the OpenAPI document only
        self.body_schema = body
        self.query_schema = query
        self.reply_schema = reply  # the 2xx body's schema (contracts/<service>/responses.py), documented
        self.download = download  # replies with an .xlsx file, not JSON
        # the service honours Idempotency-Key here (it runs the use case with idempotent=...);
        # only these routes advertise the header
        self.idempotent = idempotent
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
        """The body as a JSON object. Numbers stay JSON numbers (an amount sent as one
        is refused by the service's Money field); NaN and Infinity are not JSON."""
        data = read_bounded(request, self.body_limit())
        if not data.strip():
            if self.method == "PATCH":
                raise BadRequest(code="BODY_REQUIRED", message="请在请求体中给出要修改的字段",
                                 message_en="A PATCH needs a JSON body with the fields to change")
            data = b"{}"
        elif request.mimetype != "application/json":
            raise UnsupportedMediaType(details={"expected": "application/json"})
        try:
            payload = json.loads(data.decode("utf-8"), parse_constant=_not_json)
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
        # an empty file goes on: the service refuses it (FILE_EMPTY) after its permission check
        return {"filename": (filename or "upload")[:200], "content_type": content_type,
                "content_base64": base64.b64encode(data).decode()}

    def parse(self, request):
        ip = client_ip(request)
        if self.rate_limit:
            self.limiter.hit(ip, self.rate_limit)
        auth = None if self.public else self.authenticate(request)
        user_agent = request.headers.get("User-Agent", "")[:300]
        if auth is not None:
            auth = AuthContext(**{**auth.__dict__, "ip": ip, "user_agent": user_agent})
        path, query, key = path_params(request), query_params(request), idempotency_key(request)
        body = upload = None
        if self.upload:
            upload = self.read_upload(request)
        elif self.method in BODY_METHODS:
            body = self.read_json_body(request)
        return ApiRequest(raw=request, auth=auth, json=body, query=query, path=path, ip=ip, user_agent=user_agent,
                          idempotency_key=key, upload=upload)

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
