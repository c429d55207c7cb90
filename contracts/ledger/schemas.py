"""The shapes the ledger service accepts, used twice: by the gateway to refuse bad
HTTP input early and document it in OpenAPI, and by the service itself, because its
RPC is an API too. Shapes, lengths and amount formats only (an amount is a string
such as "1234.50" or a Decimal, never a float, at most 2 decimals). The business
rules — balanced, one side per line, leaf accounts, open periods — are in domain/
and answer with their own codes (VOUCHER_UNBALANCED, AMOUNT_INVALID, …).

Unknown fields are refused everywhere (a misspelt field must not be ignored)."""
from decimal import Decimal, InvalidOperation

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from servicekit.money import Money, PeriodField

from .labels import AUX_KINDS, STANDARDS, TEMPLATE_KINDS, VOUCHER_STATUSES, VOUCHER_WORDS

MAX_LINES = 500  # lines in one voucher
MAX_BATCH = 10000  # vouchers in one batch request (VOUCHER_BATCH_MAX may lower it)
CODE_RE = r"^\d{4}(\d{2}){0,3}$"  # 4-2-2-2


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


def _code(required=False):
    return fields.String(required=required, validate=validate.Regexp(
        CODE_RE, error="科目代码为4-2-2-2位数字，如 1002、100201 / account codes are 4-2-2-2 digits, e.g. 1002, 100201"))


def _int(minimum, maximum, **kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)


class Quantity(fields.Field):
    """A quantity or unit price: a decimal string (or Decimal/int), up to 4 decimals."""

    default_error_messages = {"invalid": "数量/单价格式不正确 / invalid number: {reason}"}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(value, "f")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (bool, float)):
            raise self.make_error("invalid", reason="send it as a string such as \"12.5\"")
        try:
            number = Decimal(str(value).strip()) if isinstance(value, (str, int, Decimal)) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise self.make_error("invalid", reason="not a number")
        if number.as_tuple().exponent < -4 or abs(number) >= Decimal(10) ** 16:
            raise self.make_error("invalid", reason="at most 16 digits and 4 decimals")
        return number


class Strict(Schema):
    class Meta:
        unknown = RAISE


# -- books -------------------------------------------------------------------------

def _words(**kwargs):
    return fields.List(fields.String(validate=_one_of(VOUCHER_WORDS)),
                       validate=validate.Length(min=1, max=4, error="凭证字为1至4个 / 1 to 4 voucher words"),
                       **kwargs)


class _WordsUnique(Strict):
    @validates_schema
    def words_unique(self, data, **kwargs):
        words = data.get("voucher_words")
        if words and len(set(words)) != len(words):
            raise ValidationError("凭证字不能重复 / voucher words must not repeat", "voucher_words")


class CreateBookSchema(_WordsUnique):
    standard = fields.String(required=True, validate=_one_of(STANDARDS))
    start_period = PeriodField(required=True)  # 建账期间
    voucher_words = _words()
    allow_self_review = fields.Boolean()


class UpdateBookSchema(_WordsUnique):
    voucher_words = _words()
    allow_self_review = fields.Boolean()


class BooksQuery(Strict):
    page = _int(1, 100000, load_default=1)
    page_size = _int(1, 500, load_default=50)


# -- accounts and auxiliary items -------------------------------------------------------

def _aux_kinds():
    # v1 keeps one aux_key per voucher line, so an account has at most one dimension
    return fields.List(fields.String(validate=_one_of(AUX_KINDS)), validate=validate.Length(
        max=1, error="每个科目最多设置一个辅助核算维度 / an account takes at most one auxiliary dimension"))


class AccountSchema(Strict):
    parent_code = _code(required=True)
    code = _code()  # omitted: the parent's code + the next free 2 digits
    name = _text(100, required=True, min_length=1)
    auxiliary = _aux_kinds()


class AccountUpdateSchema(Strict):
    name = _text(100, min_length=1)
    enabled = fields.Boolean()
    auxiliary = _aux_kinds()


class AccountsQuery(Strict):
    leaf_only = fields.Boolean(load_default=False)
    enabled = fields.Boolean()
    q = _text(100)  # part of a code or name


class AuxItemSchema(Strict):
    kind = fields.String(required=True, validate=_one_of(AUX_KINDS))
    code = _text(30, required=True, min_length=1)
    name = _text(100, required=True, min_length=1)


class AuxItemUpdateSchema(Strict):
    code = _text(30, min_length=1)
    name = _text(100, min_length=1)
    enabled = fields.Boolean()


class AuxItemsQuery(Strict):
    kind = fields.String(validate=_one_of(AUX_KINDS))
    enabled = fields.Boolean()


class OpeningItemSchema(Strict):
    account = _code(required=True)
    aux_item = _text(36, min_length=1)  # the aux item's id (or its code) on an account with a dimension
    debit = Money(allow_none=True)
    credit = Money(allow_none=True)


class OpeningBalancesSchema(Strict):
    """PUT: the whole opening trial balance, replacing what was there."""
    items = fields.List(fields.Nested(OpeningItemSchema), required=True, validate=validate.Length(max=20000))


# -- vouchers ------------------------------------------------------------------------------

class VoucherLineSchema(Strict):
    summary = _text(200, load_default="")  # 摘要
    account = _code(required=True)
    # exactly one of debit/credit, positive; negative only on a 红字 reversal (domain rules)
    debit = Money(allow_negative=True, allow_none=True)
    credit = Money(allow_negative=True, allow_none=True)
    aux_item = _text(36, min_length=1)  # the aux item's id, or its code within the account's dimension
    quantity = Quantity(allow_none=True)
    unit_price = Quantity(allow_none=True)


def _lines(required=True):
    return fields.List(fields.Nested(VoucherLineSchema), required=required, validate=validate.Length(
        max=MAX_LINES, error=f"一张凭证最多{MAX_LINES}行 / at most {MAX_LINES} lines in a voucher"))


class VoucherSchema(Strict):
    date = fields.Date(required=True)  # the business date (Asia/Shanghai), decides the period
    word = fields.String(load_default="记", validate=_one_of(VOUCHER_WORDS))
    attachments = _int(0, 9999, load_default=0)  # 附单据数
    lines = _lines()


class VoucherUpdateSchema(Strict):
    """A draft's new content (the fields given change); `version` as read (409 if stale)."""
    version = _int(1, 2 ** 31 - 1, required=True)
    date = fields.Date()
    word = fields.String(validate=_one_of(VOUCHER_WORDS))
    attachments = _int(0, 9999)
    lines = _lines(required=False)


class VoucherBatchSchema(Strict):
    vouchers = fields.List(fields.Nested(VoucherSchema), required=True, validate=validate.Length(
        min=1, max=MAX_BATCH, error=f"一次1至{MAX_BATCH}张凭证 / 1 to {MAX_BATCH} vouchers at a time"))


class VoucherIdsSchema(Strict):
    """Batch review/post: the listed vouchers, or every one of a period still waiting."""
    ids = fields.List(fields.UUID(), validate=validate.Length(min=1, max=MAX_BATCH))
    period = PeriodField()

    @validates_schema
    def one_of_them(self, data, **kwargs):
        if ("ids" in data) == ("period" in data):
            raise ValidationError("请给出 ids 或 period 之一 / give either ids or period", "_schema")


class ReverseSchema(Strict):
    date = fields.Date()  # default: today if its period is open, else the first open period
    summary = _text(200)


class RenumberSchema(Strict):
    period = PeriodField(required=True)
    word = fields.String(validate=_one_of(VOUCHER_WORDS))  # default: every word of the period


class VouchersQuery(Strict):
    period = PeriodField()
    # from/to: periods (YYYY-MM), both included
    from_ = PeriodField(data_key="from")
    to = PeriodField()
    status = fields.String(validate=_one_of(VOUCHER_STATUSES))
    word = fields.String(validate=_one_of(VOUCHER_WORDS))
    account = fields.String(validate=validate.Regexp(r"^\d{1,20}$", error="科目代码为数字 / digits"))
    page = _int(1, 100000, load_default=1)
    page_size = _int(1, 500, load_default=50)


class ExportQuery(VouchersQuery):
    page_size = _int(1, 50000, load_default=50000)


class UploadSchema(Strict):
    filename = _text(200, required=True, min_length=1)
    content_type = _text(200)
    content_base64 = fields.String(required=True)


class TemplateLineSchema(Strict):
    summary = _text(200, load_default="")
    account = _code(required=True)
    side = fields.String(required=True, validate=_one_of({"debit": "借", "credit": "贷"}))
    amount = Money(allow_none=True)  # a fixed amount, or none: given when the voucher is made
    aux_item = _text(36, min_length=1)


class TemplateSchema(Strict):
    name = _text(100, required=True, min_length=1)
    kind = fields.String(load_default="common", validate=_one_of(TEMPLATE_KINDS))
    word = fields.String(load_default="记", validate=_one_of(VOUCHER_WORDS))
    lines = fields.List(fields.Nested(TemplateLineSchema), required=True, validate=validate.Length(
        min=2, max=MAX_LINES, error=f"模板应有2至{MAX_LINES}行 / a template has 2 to {MAX_LINES} lines"))


class FromTemplateSchema(Strict):
    date = fields.Date(required=True)
    # one entry per template line, in order: an amount, or null to keep the template's fixed amount
    amounts = fields.List(Money(allow_none=True), validate=validate.Length(max=MAX_LINES))
    attachments = _int(0, 9999, load_default=0)


class PostedEntriesQuery(Strict):
    after_sequence = _int(0, 2 ** 62, load_default=0)
    limit = _int(1, 1000, load_default=100)


class TemplatesQuery(Strict):
    kind = fields.String(validate=_one_of(TEMPLATE_KINDS))
