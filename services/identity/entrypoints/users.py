"""The signed-in user, their agency, and the agency's users."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.identity import schemas
from ..usecases import users
from .base import IdentityBase


class UserEntrypoints(IdentityBase):
    @rpc
    def me(self):
        return self._run(users.me, permission="self.read")

    @rpc
    def get_agency(self):
        return self._run(users.get_agency, permission="agency.read")

    @rpc
    def update_agency(self, payload):
        return self._run(users.update_agency, parse(schemas.UpdateAgencySchema, payload), permission="agency.manage")

    @rpc
    def list_users(self, query=None):
        return self._run(users.list_users, parse(schemas.UsersQuery, query), permission="users.read")

    @rpc
    def create_user(self, payload):
        return self._run(users.create_user, parse(schemas.CreateUserSchema, payload), permission="users.manage",
                         idempotent="create_user")

    @rpc
    def get_user(self, user_id):
        return self._run(users.get_user, user_id, permission="users.read")

    @rpc
    def update_user(self, user_id, payload):
        return self._run(users.update_user, user_id, parse(schemas.UpdateUserSchema, payload),
                         permission="users.manage")

    @rpc
    def revoke_user_sessions(self, user_id):
        return self._run(users.revoke_user_sessions, user_id, permission="users.revoke_sessions")

    @rpc
    def user_logins(self, user_id, query=None):
        return self._run(users.user_logins, user_id, parse(schemas.PageQuery, query), permission="users.read_logins")
