"""Routes owned by identity: registration, sign-in, me, users, agency, audit log."""
from contracts.identity import schemas as ids
from contracts.identity import responses as idr

from ..http import api
from ..rpc import call

AUTH = ("认证 Auth",)
ME = ("我的账户 Me",)
ADMIN = ("用户与机构 Users & agency",)
AUDIT = ("审计 Audit",)


class IdentityRoutes:
    """Mixed into GatewayService, which provides `self.identity` (RPC to identity)."""

    # -- registration and sign-in -------------------------------------------
    @api("POST", "/api/v1/agencies", public=True, rate_limit="auth", status=202, body=ids.RegisterAgencySchema,
         summary="注册代理记账机构 / Register an agency (sends a one-time code)", tags=AUTH)
    def register_agency(self, req):
        return call(self.identity, "register_agency", req.json)

    @api("POST", "/api/v1/auth/verify", public=True, rate_limit="auth", status=201,
         body=ids.VerifyRegistrationSchema, summary="验证注册码 / Confirm a registration with its code", tags=AUTH)
    def verify_registration(self, req):
        return call(self.identity, "verify_registration", req.json)

    @api("POST", "/api/v1/auth/login", public=True, rate_limit="auth", body=ids.LoginSchema,
         summary="登录 / Sign in with email or phone and password", tags=AUTH)
    def login(self, req):
        return call(self.identity, "login", req.json)

    @api("POST", "/api/v1/auth/login/mfa", public=True, rate_limit="auth", body=ids.MfaLoginSchema,
         summary="二次验证登录 / Finish a sign-in with a TOTP or recovery code", tags=AUTH)
    def login_mfa(self, req):
        return call(self.identity, "login_mfa", req.json)

    @api("POST", "/api/v1/auth/refresh", public=True, rate_limit="refresh", body=ids.RefreshSchema,
         summary="刷新令牌 / Rotate the refresh token for new tokens", tags=AUTH)
    def refresh(self, req):
        return call(self.identity, "refresh", req.json)

    @api("POST", "/api/v1/auth/logout", status=204, before_mfa=True, body=ids.LogoutSchema,
         summary="退出登录 / Sign out (ends this session)", tags=AUTH)
    def logout(self, req):
        call(self.identity, "logout", req.json)
        return 204, None

    @api("POST", "/api/v1/auth/password/forgot", public=True, rate_limit="auth", status=202,
         body=ids.ForgotPasswordSchema, summary="忘记密码 / Send a reset code (same reply whether or not the login exists)",
         tags=AUTH)
    def forgot_password(self, req):
        return call(self.identity, "forgot_password", req.json)

    @api("POST", "/api/v1/auth/password/reset", public=True, rate_limit="auth", body=ids.ResetPasswordSchema,
         summary="重置密码 / Reset the password with the code", tags=AUTH)
    def reset_password(self, req):
        return call(self.identity, "reset_password", req.json)

    @api("POST", "/api/v1/auth/password/change", before_mfa=True, body=ids.ChangePasswordSchema,
         summary="修改密码 / Change my password", tags=AUTH)
    def change_password(self, req):
        return call(self.identity, "change_password", req.json)

    # -- me -------------------------------------------------------------------
    @api("GET", "/api/v1/me", reply=idr.MeReply, before_mfa=True, summary="当前用户 / Who I am, my roles and agency",
         tags=ME)
    def me(self, req):
        return call(self.identity, "me")

    @api("GET", "/api/v1/me/logins", query=ids.PageQuery, summary="我的登录记录 / My login history", tags=ME)
    def my_logins(self, req):
        return call(self.identity, "my_logins", req.query)

    @api("GET", "/api/v1/me/sessions", before_mfa=True, summary="我的会话 / My active sessions", tags=ME)
    def my_sessions(self, req):
        return call(self.identity, "my_sessions")

    @api("DELETE", "/api/v1/me/sessions/<session_id>", status=204, summary="结束会话 / End one of my sessions",
         tags=ME)
    def revoke_my_session(self, req):
        call(self.identity, "revoke_my_session", req.path["session_id"])
        return 204, None

    @api("POST", "/api/v1/me/mfa/enrol", before_mfa=True, summary="开始绑定动态口令 / Start TOTP enrolment (otpauth URI + QR PNG)",
         tags=ME)
    def mfa_enrol(self, req):
        return call(self.identity, "mfa_enrol")

    @api("POST", "/api/v1/me/mfa/confirm", before_mfa=True, body=ids.MfaConfirmSchema,
         summary="确认动态口令 / Confirm TOTP with a code; returns one-time recovery codes", tags=ME)
    def mfa_confirm(self, req):
        return call(self.identity, "mfa_confirm", req.json)

    @api("POST", "/api/v1/me/mfa/disable", before_mfa=True, body=ids.MfaDisableSchema,
         summary="关闭动态口令 / Turn TOTP off with password and code", tags=ME)
    def mfa_disable(self, req):
        return call(self.identity, "mfa_disable", req.json)

    # -- agency and users ---------------------------------------------------
    @api("GET", "/api/v1/agency", reply=idr.AgencyReply, summary="本机构 / My agency and its policy", tags=ADMIN)
    def get_agency(self, req):
        return call(self.identity, "get_agency")

    @api("PATCH", "/api/v1/agency", reply=idr.AgencyReply, body=ids.UpdateAgencySchema,
         summary="修改机构设置 / Change the agency's name or MFA policy", tags=ADMIN)
    def update_agency(self, req):
        return call(self.identity, "update_agency", req.json)

    @api("GET", "/api/v1/users", reply=idr.UsersPage, query=ids.UsersQuery, summary="用户列表 / Staff of my agency",
         tags=ADMIN)
    def list_users(self, req):
        return call(self.identity, "list_users", req.query)

    @api("POST", "/api/v1/users", reply=idr.UserReply, status=201, body=ids.CreateUserSchema, idempotent=True,
         summary="创建用户 / Create a staff or client user", tags=ADMIN)
    def create_user(self, req):
        return call(self.identity, "create_user", req.json)

    @api("GET", "/api/v1/users/<user_id>", reply=idr.UserReply, summary="用户详情 / One user", tags=ADMIN)
    def get_user(self, req):
        return call(self.identity, "get_user", req.path["user_id"])

    @api("PATCH", "/api/v1/users/<user_id>", reply=idr.UserReply, body=ids.UpdateUserSchema,
         summary="修改用户 / Change a user's name or roles, disable or enable", tags=ADMIN)
    def update_user(self, req):
        return call(self.identity, "update_user", req.path["user_id"], req.json)

    @api("POST", "/api/v1/users/<user_id>/revoke-sessions", status=204,
         summary="强制下线 / End all of a user's sessions", tags=ADMIN)
    def revoke_user_sessions(self, req):
        call(self.identity, "revoke_user_sessions", req.path["user_id"])
        return 204, None

    @api("GET", "/api/v1/users/<user_id>/logins", query=ids.PageQuery,
         summary="用户登录记录 / A user's login history", tags=ADMIN)
    def user_logins(self, req):
        return call(self.identity, "user_logins", req.path["user_id"], req.query)

    @api("GET", "/api/v1/audit-log", query=ids.AuditQuery, summary="审计日志 / The agency's audit log", tags=AUDIT)
    def audit_log(self, req):
        return call(self.identity, "audit_log", req.query)

    @api("GET", "/api/v1/audit-log/verify", summary="校验审计链 / Verify the audit log's hash chain", tags=AUDIT)
    def verify_audit_log(self, req):
        return call(self.identity, "verify_audit_chain")
