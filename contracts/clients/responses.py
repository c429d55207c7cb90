"""What the clients service's main replies look like (OpenAPI only; see contracts/replies.py)."""
from marshmallow import fields

from contracts.replies import Reply, day, list_of, page_of, some_id, timestamp
from servicekit.money import Money


class LegalRepresentativeReply(Reply):
    name = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)


class ContactReply(Reply):
    id = some_id(required=True)
    name = fields.String()
    role = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    wechat = fields.String(allow_none=True)
    primary = fields.Boolean()


class BankAccountReply(Reply):
    id = some_id(required=True)
    bank = fields.String()
    branch = fields.String(allow_none=True)
    account_number_masked = fields.String()
    purpose = fields.String(allow_none=True)
    currency = fields.String()


class ClientReply(Reply):
    id = some_id(required=True)
    agency_id = some_id()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    credit_code = fields.String()
    taxpayer_type = fields.String()
    taxpayer_type_label = fields.String(allow_none=True)
    small_low_profit = fields.Boolean()
    industry = fields.String(allow_none=True)
    accounting_standard = fields.String()
    registered_address = fields.String(allow_none=True)
    office_address = fields.String(allow_none=True)
    location_class = fields.String(allow_none=True)
    tax_authority = fields.String(allow_none=True)
    establishment_date = day()
    registered_capital = Money(allow_none=True)
    business_scope = fields.String(allow_none=True)
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    legal_representative = fields.Nested(LegalRepresentativeReply, allow_none=True)
    assignments = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    version = fields.Integer()
    created_at = timestamp()
    updated_at = timestamp()
    contacts = fields.List(fields.Nested(ContactReply))
    bank_accounts = fields.List(fields.Nested(BankAccountReply))


class ContractReply(Reply):
    id = some_id(required=True)
    client_id = some_id()
    number = fields.String()
    status = fields.String()
    start_date = day()
    end_date = day()
    services = fields.List(fields.String())
    fee = Money(allow_none=True)
    billing_cycle = fields.String()
    notes = fields.String(allow_none=True)
    revision = fields.Integer()
    terminated_on = day()
    termination_reason = fields.String(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()
    client_name = fields.String()


ClientsPage = page_of(ClientReply, "ClientsPage")
ContractsPage = page_of(ContractReply, "ContractsPage")
Contacts = list_of(ContactReply, "Contacts")
BankAccounts = list_of(BankAccountReply, "BankAccounts")
