"""The shapes the clients service accepts, used twice: by the gateway to refuse bad
HTTP input early and document it in OpenAPI, and by the service itself, because its
RPC is an API too. Shapes and lengths only: check characters, phone and email
formats and uniqueness are business rules in domain/rules.py, so every problem of a
payload is reported at once with its own code."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from servicekit.money import Money, PeriodField

from .labels import (
    ACCOUNTING_STANDARDS, ASSIGNMENT_ROLES, BILLING_CYCLES, CLIENT_STATUSES, CONTRACT_SERVICES, CONTRACT_STATUSES,
    FEEDBACK_KINDS, FEEDBACK_STATUSES, LOCATION_CLASSES, SERVICE_RECORD_KINDS, TAXPAYER_TYPES,
)


class MoneyString(Money):
    """Money that must arrive as a JSON string ("1234.50"): the gateway reads JSON
    numbers as Decimal, and an amount sent as a number is refused, not guessed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid", reason='send the amount as a string such as "1234.50"')
        return super()._deserialize(value, attr, data, **kwargs)


def _one_of(choices):
    keys = list(choices)
    return validate.OneOf(keys, error="应为以下之一 / must be one of: " + ", ".join(keys))


def _text(max_length, required=False, min_length=None, **kwargs):
    length = validate.Length(min=min_length, max=max_length,
                             error=f"长度应不超过{max_length}个字符 / at most {max_length} characters"
                             if min_length is None else
                             f"长度应为{min_length}至{max_length}个字符 / {min_length} to {max_length} characters")
    if required:
        return fields.String(required=True, validate=length, **kwargs)
    return fields.String(validate=length, allow_none=True, **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class LegalRepresentativeSchema(Strict):
    """The ID number may follow later (it often does when a list is imported)."""
    name = _text(50, required=True, min_length=1)
    id_number = _text(30, load_only=True)


class LegalRepresentativeUpdateSchema(Strict):
    """Either part may be left out: the other is kept."""
    name = _text(50, min_length=1)
    id_number = _text(30, min_length=1, load_only=True)


class ContactSchema(Strict):
    name = _text(50, required=True, min_length=1)
    role = _text(50)  # 老板, 财务负责人, 出纳 …
    mobile = _text(20)
    email = _text(254)
    wechat = _text(50)
    primary = fields.Boolean()


class ContactUpdateSchema(ContactSchema):
    name = _text(50, min_length=1)


class BankAccountSchema(Strict):
    bank = _text(100, required=True, min_length=1)
    branch = _text(100)
    account_number = _text(40, required=True, min_length=1, load_only=True)
    purpose = _text(50)  # 基本户, 一般户, 专用户 …
    currency = fields.String(validate=validate.Regexp(
        r"^[A-Za-z]{3}$", error="币种为3位字母代码，如 CNY / a 3-letter currency code"))


class BankAccountUpdateSchema(BankAccountSchema):
    bank = _text(100, min_length=1)
    account_number = _text(40, min_length=1, load_only=True)


class ClientFields(Strict):
    """The company's own fields, all optional here."""
    short_name = _text(100)
    small_low_profit = fields.Boolean()
    industry = _text(100)
    accounting_standard = fields.String(validate=_one_of(ACCOUNTING_STANDARDS))
    registered_address = _text(300)
    office_address = _text(300)
    location_class = fields.String(validate=_one_of(LOCATION_CLASSES), allow_none=True)
    tax_authority = _text(200)
    establishment_date = fields.Date(allow_none=True)
    registered_capital = MoneyString(allow_none=True)
    business_scope = _text(2000)


class CreateClientSchema(ClientFields):
    name = _text(200, required=True, min_length=1)
    credit_code = _text(30, required=True, min_length=1)
    taxpayer_type = fields.String(required=True, validate=_one_of(TAXPAYER_TYPES))
    legal_representative = fields.Nested(LegalRepresentativeSchema, allow_none=True)
    contacts = fields.List(fields.Nested(ContactSchema), validate=validate.Length(max=20))
    bank_accounts = fields.List(fields.Nested(BankAccountSchema), validate=validate.Length(max=20))


class UpdateClientSchema(ClientFields):
    """PATCH: the fields given change; `version` is the one the caller read (409 if stale)."""
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    name = _text(200, min_length=1)
    credit_code = _text(30, min_length=1)
    taxpayer_type = fields.String(validate=_one_of(TAXPAYER_TYPES))
    legal_representative = fields.Nested(LegalRepresentativeUpdateSchema, allow_none=True)


class ChangeStatusSchema(Strict):
    status = fields.String(required=True, validate=_one_of(CLIENT_STATUSES))
    reason = _text(500)
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class RevealSchema(Strict):
    reason = _text(200)


class PageQuery(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ClientFilters(Strict):
    q = fields.String(validate=validate.Length(min=1, max=100))  # name or short name (substring), credit code (prefix)
    taxpayer_type = fields.String(validate=_one_of(TAXPAYER_TYPES))
    status = fields.String(validate=_one_of(CLIENT_STATUSES))
    accountant_id = fields.UUID()  # assigned as accountant
    assignee_id = fields.UUID()  # assigned in any role
    sort = fields.String(load_default="name", validate=_one_of({"name": 1, "created_at": 1, "credit_code": 1}))
    order = fields.String(load_default="asc", validate=_one_of({"asc": 1, "desc": 1}))


class ClientsQuery(ClientFilters, PageQuery):
    pass


class ExportQuery(ClientFilters):
    pass


_services = fields.List(fields.String(validate=_one_of(CONTRACT_SERVICES)), validate=validate.Length(min=1, max=10))


class ContractTerms(Strict):
    start_date = fields.Date()
    end_date = fields.Date()
    services = _services
    fee = MoneyString()
    billing_cycle = fields.String(validate=_one_of(BILLING_CYCLES))
    notes = _text(1000)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            raise ValidationError("结束日期不能早于开始日期 / end_date is before start_date", "end_date")


class CreateContractSchema(ContractTerms):
    number = _text(50, required=True, min_length=1)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    services = fields.List(fields.String(validate=_one_of(CONTRACT_SERVICES)), required=True,
                           validate=validate.Length(min=1, max=10))
    fee = MoneyString(required=True)
    billing_cycle = fields.String(required=True, validate=_one_of(BILLING_CYCLES))


class UpdateContractSchema(ContractTerms):
    """A draft's terms (and number) before it is signed."""
    number = _text(50, min_length=1)


class AmendContractSchema(ContractTerms):
    note = _text(500)  # why the terms change

    @validates_schema
    def something_changes(self, data, **kwargs):
        if not set(data) - {"note"}:
            raise ValidationError("请给出变更后的条款 / give the new terms", "_schema")


class TerminateContractSchema(Strict):
    reason = _text(500, required=True, min_length=1)
    terminated_on = fields.Date(required=True)


class ContractsQuery(PageQuery):
    status = fields.String(validate=_one_of(CONTRACT_STATUSES))


class ExpiringQuery(PageQuery):
    days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=366))


class AssignSchema(Strict):
    user_id = fields.UUID(required=True)


class ServiceRecordSchema(Strict):
    date = fields.Date(required=True)
    kind = fields.String(required=True, validate=_one_of(SERVICE_RECORD_KINDS))
    description = _text(2000, required=True, min_length=1)
    result = _text(500)
    staff_user_id = fields.UUID()  # who did it: the caller unless given (must serve the client)


class ServiceRecordsQuery(PageQuery):
    period = PeriodField()
    kind = fields.String(validate=_one_of(SERVICE_RECORD_KINDS))


class FeedbackSchema(Strict):
    kind = fields.String(required=True, validate=_one_of(FEEDBACK_KINDS))
    content = _text(2000, required=True, min_length=1)


class HandleFeedbackSchema(Strict):
    note = _text(1000, required=True, min_length=1)


class CloseFeedbackSchema(Strict):
    satisfaction = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=5, error="满意度为1到5 / satisfaction is 1 to 5"))
    note = _text(1000)


class FeedbackQuery(PageQuery):
    status = fields.String(validate=_one_of(FEEDBACK_STATUSES))
    kind = fields.String(validate=_one_of(FEEDBACK_KINDS))


class BoardQuery(Strict):
    period = PeriodField(required=True)


class RevealLogQuery(PageQuery):
    client_id = fields.UUID()


ROLE_VALIDATOR = _one_of(ASSIGNMENT_ROLES)
