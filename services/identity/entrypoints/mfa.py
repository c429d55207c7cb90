"""Turning TOTP multi-factor authentication on and off for oneself."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.identity import schemas
from ..usecases import mfa
from .base import IdentityBase


class MfaEntrypoints(IdentityBase):
    @rpc
    def mfa_enrol(self):
        return self._run(mfa.enrol, permission="self.manage")

    @rpc
    def mfa_confirm(self, payload):
        return self._run(mfa.confirm, parse(schemas.MfaConfirmSchema, payload), permission="self.manage")

    @rpc
    def mfa_disable(self, payload):
        return self._run(mfa.disable, parse(schemas.MfaDisableSchema, payload), permission="self.manage")
