"""The shapes identity accepts, used twice: by the gateway to document them in
OpenAPI, and by the service itself, which validates every payload with them (after
its permission check), because its RPC is an API too. Built from servicekit.schema,
the one input rule of every service. Business rules (password policy, uniqueness)
live in domain/.

Passwords and tokens are `Secret`s: taken exactly as sent, never trimmed."""
from marshmallow import ValidationError, validate, validates_schema

from servicekit.auth import ROLES
from servicekit.schema import (
    Boolean, Choice, DateTime, Email, List, Name, QueryBoolean, QueryInteger, Secret, Strict, Text, Uuid,
)

_SIX_DIGITS = validate.Regexp(r"^[0-9]{6}$", error="验证码为6位数字 / the code has 6 digits")


def _name():
    return Name(50, required=True, min_length=1)


def _password():
    return Secret(128, required=True, min_length=1, load_only=True)


def _phone():
    return Text(20, min_length=11)


def _login():
    return Text(254, required=True, min_length=3)  # an email or a mobile phone number


def _roles(**kwargs):
    return List(Choice(sorted(ROLES)), validate=validate.Length(min=1, max=5), **kwargs)


class EmailOrPhone(Strict):
    @validates_schema
    def one_contact(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError("请填写邮箱或手机号 / give an email or a mobile phone number", "email")


class RegisterAgencySchema(EmailOrPhone):
    agency_name = Name(100, required=True, min_length=2)
    name = _name()
    email = Email()
    phone = _phone()
    password = _password()


class VerifyRegistrationSchema(Strict):
    registration_id = Uuid(required=True)
    code = Text(6, required=True, validate=_SIX_DIGITS)


class LoginSchema(Strict):
    login = _login()
    password = _password()
    otp = Text(20, load_only=True)


class MfaLoginSchema(Strict):
    mfa_token = Secret(2000, required=True)
    otp = Text(20)
    recovery_code = Text(30)

    @validates_schema
    def code_given(self, data, **kwargs):
        if not data.get("otp") and not data.get("recovery_code"):
            raise ValidationError("请输入动态码或恢复码 / give an otp or a recovery code", "otp")


class RefreshSchema(Strict):
    refresh_token = Secret(200, required=True, min_length=10)


class LogoutSchema(Strict):
    refresh_token = Secret(200)


class ForgotPasswordSchema(Strict):
    login = _login()


class ResetPasswordSchema(Strict):
    login = _login()
    code = Text(6, required=True, validate=_SIX_DIGITS)
    new_password = _password()


class ChangePasswordSchema(Strict):
    current_password = _password()
    new_password = _password()


class MfaConfirmSchema(Strict):
    otp = Text(10, required=True, min_length=6)


class MfaDisableSchema(Strict):
    password = _password()
    otp = Text(10)
    recovery_code = Text(30)

    @validates_schema
    def code_given(self, data, **kwargs):
        if not data.get("otp") and not data.get("recovery_code"):
            raise ValidationError("请输入动态码或恢复码 / give an otp or a recovery code", "otp")


class CreateUserSchema(EmailOrPhone):
    name = _name()
    email = Email()
    phone = _phone()
    password = _password()
    roles = _roles(required=True)
    client_id = Uuid()  # for a user with the client role: one of the agency's clients


class UpdateUserSchema(Strict):
    """PATCH: the fields given change; `client_id: null` unlinks the client."""
    name = Name(50, min_length=1)
    roles = _roles()
    disabled = Boolean()
    client_id = Uuid(allow_none=True)


class UpdateAgencySchema(Strict):
    name = Name(100, min_length=2)
    mfa_required = Boolean()


class PageQuery(Strict):
    page = QueryInteger(1, 100000, load_default=1)
    page_size = QueryInteger(1, 200, load_default=50)


class UsersQuery(PageQuery):
    role = Choice(sorted(ROLES))
    q = Text(100)
    include_disabled = QueryBoolean(load_default=True)


class AuditQuery(PageQuery):
    action = Text(60)
    actor_id = Uuid()
    target_id = Text(100)
    since = DateTime()
    until = DateTime()
