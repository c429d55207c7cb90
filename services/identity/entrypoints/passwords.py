"""Changing, forgetting and resetting a password."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.identity import schemas
from ..usecases import passwords
from .base import IdentityBase


class PasswordEntrypoints(IdentityBase):
    @rpc
    def forgot_password(self, payload):
        return self._run(passwords.forgot_password, parse(schemas.ForgotPasswordSchema, payload))

    @rpc
    def reset_password(self, payload):
        return self._run(passwords.reset_password, parse(schemas.ResetPasswordSchema, payload))

    @rpc
    def change_password(self, payload):
        return self._run(passwords.change_password, parse(schemas.ChangePasswordSchema, payload),
                         permission="self.manage")
