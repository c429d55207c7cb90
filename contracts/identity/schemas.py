"""The shapes identity accepts, used twice: by the gateway to refuse bad HTTP input
early and document it in OpenAPI, and by the service itself, because its RPC is an
API too. Business rules (password policy, uniqueness) live in domain/."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from servicekit.auth import ROLES

_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
_password = fields.String(required=True, validate=validate.Length(min=1, max=128), load_only=True)
_email = fields.Email(validate=validate.Length(max=254))
_phone = fields.String(validate=validate.Length(min=11, max=20))


class Strict(Schema):
    class Meta:
        unknown = RAISE


class EmailOrPhone(Strict):
    @validates_schema
    def one_contact(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError("请填写邮箱或手机号 / give an email or a mobile phone number", "email")


class RegisterAgencySchema(EmailOrPhone):
    agency_name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    name = _name
    email = _email
    phone = _phone
    password = _password


class VerifyRegistrationSchema(Strict):
    registration_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为6位数字 / the code has 6 digits"))


class LoginSchema(Strict):
    login = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = _password
    otp = fields.String(validate=validate.Length(max=20), load_only=True)


class MfaLoginSchema(Strict):
    mfa_token = fields.String(required=True, validate=validate.Length(max=2000))
    otp = fields.String(validate=validate.Length(max=20))
    recovery_code = fields.String(validate=validate.Length(max=30))

    @validates_schema
    def code_given(self, data, **kwargs):
        if not data.get("otp") and not data.get("recovery_code"):
            raise ValidationError("请输入动态码或恢复码 / give an otp or a recovery code", "otp")


class RefreshSchema(Strict):
    refresh_token = fields.String(required=True, validate=validate.Length(min=10, max=200))


class LogoutSchema(Strict):
    refresh_token = fields.String(validate=validate.Length(max=200))


class ForgotPasswordSchema(Strict):
    login = fields.String(required=True, validate=validate.Length(min=3, max=254))


class ResetPasswordSchema(Strict):
    login = fields.String(required=True, validate=validate.Length(min=3, max=254))
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为6位数字 / the code has 6 digits"))
    new_password = _password


class ChangePasswordSchema(Strict):
    current_password = _password
    new_password = _password


class MfaConfirmSchema(Strict):
    otp = fields.String(required=True, validate=validate.Length(min=6, max=10))


class MfaDisableSchema(Strict):
    password = _password
    otp = fields.String(validate=validate.Length(max=10))
    recovery_code = fields.String(validate=validate.Length(max=30))

    @validates_schema
    def code_given(self, data, **kwargs):
        if not data.get("otp") and not data.get("recovery_code"):
            raise ValidationError("请输入动态码或恢复码 / give an otp or a recovery code", "otp")


_roles = fields.List(fields.String(validate=validate.OneOf(sorted(ROLES))), validate=validate.Length(min=1, max=5))


class CreateUserSchema(EmailOrPhone):
    name = _name
    email = _email
    phone = _phone
    password = _password
    roles = fields.List(fields.String(validate=validate.OneOf(sorted(ROLES))), required=True,
                        validate=validate.Length(min=1, max=5))
    client_id = fields.UUID()


class UpdateUserSchema(Strict):
    name = fields.String(validate=validate.Length(min=1, max=50))
    roles = _roles
    disabled = fields.Boolean()
    client_id = fields.UUID(allow_none=True)


class UpdateAgencySchema(Strict):
    name = fields.String(validate=validate.Length(min=2, max=100))
    mfa_required = fields.Boolean()


class PageQuery(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class UsersQuery(PageQuery):
    role = fields.String(validate=validate.OneOf(sorted(ROLES)))
    q = fields.String(validate=validate.Length(max=100))
    include_disabled = fields.Boolean(load_default=True)


class AuditQuery(PageQuery):
    action = fields.String(validate=validate.Length(max=60))
    actor_id = fields.UUID()
    target_id = fields.String(validate=validate.Length(max=100))
    since = fields.AwareDateTime(default_timezone=None)
    until = fields.AwareDateTime(default_timezone=None)
