"""Registering an agency, signing in and out, sessions and sign-in history."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.identity import schemas
from ..usecases import registration, sessions
from .base import IdentityBase


class SignInEntrypoints(IdentityBase):
    # -- public ------------------------------------------------------------------------
    @rpc
    def register_agency(self, payload):
        return self._run(registration.register_agency, parse(schemas.RegisterAgencySchema, payload))

    @rpc
    def verify_registration(self, payload):
        return self._run(registration.verify_registration, parse(schemas.VerifyRegistrationSchema, payload))

    @rpc
    def login(self, payload):
        return self._run(sessions.login, parse(schemas.LoginSchema, payload))

    @rpc
    def login_mfa(self, payload):
        return self._run(sessions.login_mfa, parse(schemas.MfaLoginSchema, payload))

    @rpc
    def refresh(self, payload):
        return self._run(sessions.refresh, parse(schemas.RefreshSchema, payload))

    @rpc
    def public_auth_state(self):
        return self._run(sessions.public_auth_state)

    # -- signed in -----------------------------------------------------------------------
    @rpc
    def logout(self, payload=None):
        return self._run(sessions.logout, parse(schemas.LogoutSchema, payload), permission="self.manage")

    @rpc
    def my_sessions(self):
        return self._run(sessions.my_sessions, permission="self.read")

    @rpc
    def revoke_my_session(self, session_id):
        return self._run(sessions.revoke_my_session, session_id, permission="self.manage")

    @rpc
    def my_logins(self, query=None):
        return self._run(sessions.my_logins, parse(schemas.PageQuery, query), permission="self.read")
