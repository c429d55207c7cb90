"""Typed errors with stable codes and messages in Chinese and English.

Every error a service raises on purpose is an AppError (or a subclass below). The
classes are registered with nameko's exception registry, so an AppError raised in
a service arrives at the caller of an RPC as the same class with the same code,
status, messages and details; the gateway turns it into
``{"error": {"code", "message", "message_en", "details"}}`` with ``status``.
"""
import json

from nameko.exceptions import get_module_path, registry


class AppError(Exception):
    status = 500
    default_code = "INTERNAL_ERROR"
    default_zh = "服务器内部错误"
    default_en = "Internal error"

    def __init__(self, code=None, message=None, message_en=None, details=None, status=None):
        self.code = code or self.default_code
        self.message = message or self.default_zh
        self.message_en = message_en or self.default_en
        if isinstance(details, str):  # rebuilt after an RPC hop (see below)
            details = json.loads(details)
        self.details = details if details is not None else {}
        if status is not None:
            self.status = int(status)
        # args is what nameko serialises across RPC and the registry rebuilds from;
        # nameko turns numbers in args into strings, so details travel as JSON text
        super().__init__(self.code, self.message, self.message_en,
                         json.dumps(self.details, ensure_ascii=False, default=str), self.status)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        registry[get_module_path(cls)] = cls

    def __str__(self):
        return f"{self.code}: {self.message_en}"

    def to_dict(self):
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "details": self.details,
        }


registry[get_module_path(AppError)] = AppError


class BadRequest(AppError):
    status = 400
    default_code = "BAD_REQUEST"
    default_zh = "请求无效"
    default_en = "Bad request"


class ValidationFailed(BadRequest):
    """Field errors: details = {"fields": {"name": ["message", ...]}}."""

    default_code = "VALIDATION_FAILED"
    default_zh = "输入数据有误"
    default_en = "Some fields are invalid"

    # positional order as AppError: nameko rebuilds errors from their args
    def __init__(self, code=None, message=None, message_en=None, details=None, status=None, *, fields=None):
        details = dict(json.loads(details) if isinstance(details, str) else details or {})
        if fields is not None:
            details["fields"] = fields
        super().__init__(code, message, message_en, details, status)


class Unauthorized(AppError):
    status = 401
    default_code = "UNAUTHENTICATED"
    default_zh = "未登录或登录已失效"
    default_en = "Not authenticated or the session has expired"


class Forbidden(AppError):
    status = 403
    default_code = "FORBIDDEN"
    default_zh = "没有权限执行此操作"
    default_en = "You are not allowed to do this"


class NotFound(AppError):
    status = 404
    default_code = "NOT_FOUND"
    default_zh = "找不到该资源"
    default_en = "Not found"


class Conflict(AppError):
    status = 409
    default_code = "CONFLICT"
    default_zh = "与当前状态冲突"
    default_en = "Conflicts with the current state"


class Gone(AppError):
    status = 410
    default_code = "GONE"
    default_zh = "已失效"
    default_en = "No longer valid"


class PayloadTooLarge(AppError):
    status = 413
    default_code = "PAYLOAD_TOO_LARGE"
    default_zh = "请求内容过大"
    default_en = "Request body too large"


class UnsupportedMediaType(AppError):
    status = 415
    default_code = "UNSUPPORTED_MEDIA_TYPE"
    default_zh = "不支持的内容类型"
    default_en = "Unsupported content type"


class Locked(AppError):
    status = 423
    default_code = "LOCKED"
    default_zh = "已锁定"
    default_en = "Locked"


class TooManyRequests(AppError):
    status = 429
    default_code = "RATE_LIMITED"
    default_zh = "请求过于频繁，请稍后再试"
    default_en = "Too many requests, try again later"


class ServiceUnavailable(AppError):
    status = 503
    default_code = "SERVICE_UNAVAILABLE"
    default_zh = "服务暂时不可用，请稍后再试"
    default_en = "Service temporarily unavailable, try again later"
