"""The shapes the clients service accepts, used twice: by the gateway to document them
in OpenAPI, and by the service itself, which validates every payload with them
(after its permission check), because its RPC is an API too. Built from
servicekit.schema, the one input rule of every service. Shapes and lengths only:
check characters, phone and email formats and uniqueness are business rules in
domain/rules.py, so every problem of a payload is reported at once with its own code.

`allow_none=True` only where the column takes NULL (a PATCH with `null` clears it)."""
from marshmallow import ValidationError, validate, validates_schema

from servicekit.schema import (  # noqa: F401 - UploadSchema: the shape import_clients takes
    Boolean, Choice, Code, Date, Integer, List, Money, Name, Nested, PeriodField, QueryInteger, Strict, Text,
    UploadSchema, Uuid, one_of,
)

from .labels import (
    ACCOUNTING_STANDARDS, ASSIGNMENT_ROLES, BILLING_CYCLES, CLIENT_STATUSES, CONTRACT_SERVICES, CONTRACT_STATUSES,
    FEEDBACK_KINDS, FEEDBACK_STATUSES, LOCATION_CLASSES, SERVICE_RECORD_KINDS, TAXPAYER_TYPES,
)

class LegalRepresentativeSchema(Strict):
    """The ID number may follow later (it often does when a list is imported)."""
    name = Name(50, required=True, min_length=1)
    id_number = Text(30, allow_none=True, load_only=True)


class LegalRepresentativeUpdateSchema(Strict):
    """Either part may be left out: the other is kept."""
    name = Name(50, min_length=1)
    id_number = Text(30, min_length=1, allow_none=True, load_only=True)


class ContactSchema(Strict):
    name = Name(50, required=True, min_length=1)
    role = Text(50, allow_none=True)  # 老板, 财务负责人, 出纳 …
    mobile = Text(20, allow_none=True)
    email = Text(254, allow_none=True)  # its format is checked by domain/rules.py (INVALID_EMAIL)
    wechat = Text(50, allow_none=True)
    primary = Boolean()


class ContactUpdateSchema(ContactSchema):
    name = Name(50, min_length=1)


class BankAccountSchema(Strict):
    bank = Name(100, required=True, min_length=1)
    branch = Text(100, allow_none=True)
    account_number = Text(40, required=True, min_length=1, load_only=True)
    purpose = Text(50, allow_none=True)  # 基本户, 一般户, 专用户 …
    currency = Text(3, validate=validate.Regexp(r"^[A-Za-z]{3}$",
                                                error="币种为3位字母代码，如 CNY / a 3-letter currency code"))


class BankAccountUpdateSchema(BankAccountSchema):
    bank = Name(100, min_length=1)
    account_number = Text(40, min_length=1, load_only=True)


class ClientFields(Strict):
    """The company's own fields, all optional here."""
    short_name = Name(100, allow_none=True)
    small_low_profit = Boolean()
    industry = Text(100, allow_none=True)
    accounting_standard = Choice(ACCOUNTING_STANDARDS)
    registered_address = Text(300, allow_none=True)
    office_address = Text(300, allow_none=True)
    location_class = Choice(LOCATION_CLASSES, allow_none=True)
    tax_authority = Text(200, allow_none=True)
    establishment_date = Date(allow_none=True)
    registered_capital = Money(allow_none=True)
    business_scope = Text(2000, allow_none=True, multiline=True)


class CreateClientSchema(ClientFields):
    name = Name(200, required=True, min_length=1)
    credit_code = Code(30, required=True, min_length=1)
    taxpayer_type = Choice(TAXPAYER_TYPES, required=True)
    legal_representative = Nested(LegalRepresentativeSchema, allow_none=True)
    contacts = List(Nested(ContactSchema), validate=validate.Length(max=20))
    bank_accounts = List(Nested(BankAccountSchema), validate=validate.Length(max=20))


class UpdateClientSchema(ClientFields):
    """PATCH: the fields given change; `version` is the one the caller read (409 if stale)."""
    version = Integer(1, 2 ** 31 - 1, required=True)
    name = Name(200, min_length=1)
    credit_code = Code(30, min_length=1)
    taxpayer_type = Choice(TAXPAYER_TYPES)
    legal_representative = Nested(LegalRepresentativeUpdateSchema, allow_none=True)


class ChangeStatusSchema(Strict):
    status = Choice(CLIENT_STATUSES, required=True)
    reason = Text(500, allow_none=True, multiline=True)
    version = Integer(1, 2 ** 31 - 1)


class RevealSchema(Strict):
    reason = Text(200, allow_none=True)


class PageQuery(Strict):
    page = QueryInteger(1, 100000, load_default=1)
    page_size = QueryInteger(1, 200, load_default=50)


class ClientFilters(Strict):
    q = Text(100, min_length=1)  # name or short name (substring), credit code (prefix)
    taxpayer_type = Choice(TAXPAYER_TYPES)
    status = Choice(CLIENT_STATUSES)
    accountant_id = Uuid()  # assigned as accountant
    assignee_id = Uuid()  # assigned in any role
    sort = Choice(("name", "created_at", "credit_code"), load_default="name")
    order = Choice(("asc", "desc"), load_default="asc")


class ClientsQuery(ClientFilters, PageQuery):
    pass


class ExportQuery(ClientFilters):
    pass


def _services(**kwargs):
    return List(Choice(CONTRACT_SERVICES), validate=validate.Length(min=1, max=10), **kwargs)


class ContractTerms(Strict):
    start_date = Date()
    end_date = Date()
    services = _services()
    fee = Money()
    billing_cycle = Choice(BILLING_CYCLES)
    notes = Text(1000, allow_none=True, multiline=True)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            raise ValidationError("结束日期不能早于开始日期 / end_date is before start_date", "end_date")


class CreateContractSchema(ContractTerms):
    number = Code(50, required=True, min_length=1)
    start_date = Date(required=True)
    end_date = Date(required=True)
    services = _services(required=True)
    fee = Money(required=True)
    billing_cycle = Choice(BILLING_CYCLES, required=True)


class UpdateContractSchema(ContractTerms):
    """A draft's terms (and number) before it is signed."""
    number = Code(50, min_length=1)


class AmendContractSchema(ContractTerms):
    note = Text(500, allow_none=True, multiline=True)  # why the terms change

    @validates_schema
    def something_changes(self, data, **kwargs):
        if not set(data) - {"note"}:
            raise ValidationError("请给出变更后的条款 / give the new terms", "_schema")


class TerminateContractSchema(Strict):
    reason = Text(500, required=True, min_length=1, multiline=True)
    terminated_on = Date(required=True)


class ContractsQuery(PageQuery):
    status = Choice(CONTRACT_STATUSES)


class ExpiringQuery(PageQuery):
    days = QueryInteger(0, 366, load_default=30)


class AssignSchema(Strict):
    user_id = Uuid(required=True)


class ServiceRecordSchema(Strict):
    date = Date(required=True)
    kind = Choice(SERVICE_RECORD_KINDS, required=True)
    description = Text(2000, required=True, min_length=1, multiline=True)
    result = Text(500, allow_none=True, multiline=True)
    staff_user_id = Uuid()  # who did it: the caller unless given (must serve the client)


class ServiceRecordsQuery(PageQuery):
    period = PeriodField()
    kind = Choice(SERVICE_RECORD_KINDS)


class FeedbackSchema(Strict):
    kind = Choice(FEEDBACK_KINDS, required=True)
    content = Text(2000, required=True, min_length=1, multiline=True)


class HandleFeedbackSchema(Strict):
    note = Text(1000, required=True, min_length=1, multiline=True)


class CloseFeedbackSchema(Strict):
    satisfaction = Integer(1, 5, required=True, error="满意度为1到5 / satisfaction is 1 to 5")
    note = Text(1000, allow_none=True, multiline=True)


class FeedbackQuery(PageQuery):
    status = Choice(FEEDBACK_STATUSES)
    kind = Choice(FEEDBACK_KINDS)


class BoardQuery(Strict):
    period = PeriodField(required=True)


class RevealLogQuery(PageQuery):
    client_id = Uuid()


ROLE_VALIDATOR = one_of(ASSIGNMENT_ROLES)
