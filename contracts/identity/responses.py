"""What identity's main replies look like (OpenAPI only; see contracts/replies.py)."""
from marshmallow import fields

from contracts.replies import Reply, page_of, some_id, timestamp


class AgencyReply(Reply):
    id = some_id(required=True)
    name = fields.String()
    mfa_required = fields.Boolean()
    created_at = timestamp()


class UserReply(Reply):
    id = some_id(required=True)
    agency_id = some_id()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    role_labels = fields.List(fields.String())
    client_id = some_id()
    disabled = fields.Boolean()
    mfa_enabled = fields.Boolean()
    created_at = timestamp()
    password_changed_at = timestamp()


class MeReply(UserReply):
    agency = fields.Nested(AgencyReply)


UsersPage = page_of(UserReply, "UsersPage")
