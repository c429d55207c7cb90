"""The shapes the ledger service accepts, used twice: by the gateway to document them
in OpenAPI, and by the service itself, which validates every payload with them (after
its permission check), because its RPC is an API too. Built from servicekit.schema,
the one input rule of every service. Shapes, lengths and amount formats only (an
amount is a JSON string such as "1234.50", at most 2 decimals, within NUMERIC(20,2)).
The business rules — balanced, one side per line, leaf accounts, open periods — are
in domain/ and answer with their own codes (VOUCHER_UNBALANCED, AMOUNT_INVALID, …).

Unknown fields are refused everywhere (a misspelt field must not be ignored); `null`
only where the column takes NULL."""
import re
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, validate, validates_schema

from servicekit.schema import (  # noqa: F401 - UploadSchema: the shape import_vouchers takes
    Boolean, Choice, Code, Date, Field, Integer, List, Money, Name, Nested, PeriodField, QueryBoolean, QueryInteger,
    Strict, Text, UploadSchema, Uuid,
)

from .labels import AUX_KINDS, STANDARDS, TEMPLATE_KINDS, VOUCHER_STATUSES, VOUCHER_WORDS

MAX_LINES = 500  # lines in one voucher
MAX_BATCH = 10000  # vouchers in one batch request (VOUCHER_BATCH_MAX may lower it)
CODE_RE = r"^[0-9]{4}([0-9]{2}){0,3}$"  # 4-2-2-2, ASCII digits
_QUANTITY_RE = re.compile(r"^-?[0-9]{1,16}(\.[0-9]{1,4})?$")


def _code(**kwargs):
    return Text(20, validate=validate.Regexp(
        CODE_RE, error="科目代码为4-2-2-2位数字，如 1002、100201 / account codes are 4-2-2-2 digits, e.g. 1002, 100201"),
        **kwargs)


def _aux_ref(**kwargs):
    """An aux item on a line: its id, or its code within the account's dimension."""
    return Code(36, min_length=1, **kwargs)


class Quantity(Field):
    """A quantity or unit price: a JSON string such as "12.5", up to 16 digits and 4 decimals."""

    default_error_messages = {"invalid": "数量/单价格式不正确 / invalid number: {reason}"}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(value, "f")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid", reason='send it as a string such as "12.5", not a JSON number')
        if not _QUANTITY_RE.match(value):
            raise self.make_error("invalid", reason="at most 16 digits and 4 decimals, ASCII digits, no spaces")
        try:
            return Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - the pattern already guards
            raise self.make_error("invalid", reason="not a number") from exc

    def openapi(self):
        return {"type": "string", "pattern": _QUANTITY_RE.pattern, "example": "12.5"}


# -- books -------------------------------------------------------------------------

def _words(**kwargs):
    return List(Choice(VOUCHER_WORDS),
                       validate=validate.Length(min=1, max=4, error="凭证字为1至4个 / 1 to 4 voucher words"),
                       **kwargs)


class _WordsUnique(Strict):
    @validates_schema
    def words_unique(self, data, **kwargs):
        words = data.get("voucher_words")
        if words and len(set(words)) != len(words):
            raise ValidationError("凭证字不能重复 / voucher words must not repeat", "voucher_words")


class CreateBookSchema(_WordsUnique):
    standard = Choice(STANDARDS, required=True)
    start_period = PeriodField(required=True)  # 建账期间
    voucher_words = _words()
    allow_self_review = Boolean()


class UpdateBookSchema(_WordsUnique):
    voucher_words = _words()
    allow_self_review = Boolean()


class BooksQuery(Strict):
    page = QueryInteger(1, 100000, load_default=1)
    page_size = QueryInteger(1, 500, load_default=50)


# -- accounts and auxiliary items -------------------------------------------------------

def _aux_kinds():
    # v1 keeps one aux_key per voucher line, so an account has at most one dimension
    return List(Choice(AUX_KINDS), validate=validate.Length(
        max=1, error="每个科目最多设置一个辅助核算维度 / an account takes at most one auxiliary dimension"))


class AccountSchema(Strict):
    parent_code = _code(required=True)
    code = _code()  # omitted: the parent's code + the next free 2 digits
    name = Name(100, required=True, min_length=1)
    auxiliary = _aux_kinds()


class AccountUpdateSchema(Strict):
    name = Name(100, min_length=1)  # NOT NULL: null is refused
    enabled = Boolean()
    auxiliary = _aux_kinds()


class AccountsQuery(Strict):
    leaf_only = QueryBoolean(load_default=False)
    enabled = QueryBoolean()
    q = Text(100)  # part of a code or name


class AuxItemSchema(Strict):
    kind = Choice(AUX_KINDS, required=True)
    code = Code(30, required=True, min_length=1)
    name = Name(100, required=True, min_length=1)


class AuxItemUpdateSchema(Strict):
    code = Code(30, min_length=1)  # NOT NULL: null is refused
    name = Name(100, min_length=1)
    enabled = Boolean()


class AuxItemsQuery(Strict):
    kind = Choice(AUX_KINDS)
    enabled = QueryBoolean()


class OpeningItemSchema(Strict):
    account = _code(required=True)
    aux_item = _aux_ref(allow_none=True)  # on an account with a dimension; null: none
    debit = Money(allow_none=True)
    credit = Money(allow_none=True)


class OpeningBalancesSchema(Strict):
    """PUT: the whole opening trial balance, replacing what was there."""
    items = List(Nested(OpeningItemSchema), required=True, validate=validate.Length(max=20000))


# -- vouchers ------------------------------------------------------------------------------

class VoucherLineSchema(Strict):
    summary = Text(200, load_default="")  # 摘要 (NOT NULL: omit it rather than send null)
    account = _code(required=True)
    # exactly one of debit/credit, positive; negative only on a 红字 reversal (domain rules)
    debit = Money(allow_negative=True, allow_none=True)
    credit = Money(allow_negative=True, allow_none=True)
    aux_item = _aux_ref(allow_none=True)
    quantity = Quantity(allow_none=True)
    unit_price = Quantity(allow_none=True)


def _lines(required=True):
    return List(Nested(VoucherLineSchema), required=required, validate=validate.Length(
        max=MAX_LINES, error=f"一张凭证最多{MAX_LINES}行 / at most {MAX_LINES} lines in a voucher"))


class VoucherSchema(Strict):
    date = Date(required=True)  # the business date (Asia/Shanghai), decides the period
    word = Choice(VOUCHER_WORDS, load_default="记")
    attachments = Integer(0, 9999, load_default=0)  # 附单据数
    lines = _lines()


class VoucherUpdateSchema(Strict):
    """A draft's new content (the fields given change); `version` as read (409 if stale)."""
    version = Integer(1, 2 ** 31 - 1, required=True)
    date = Date()
    word = Choice(VOUCHER_WORDS)
    attachments = Integer(0, 9999)
    lines = _lines(required=False)


class VoucherBatchSchema(Strict):
    vouchers = List(Nested(VoucherSchema), required=True, validate=validate.Length(
        min=1, max=MAX_BATCH, error=f"一次1至{MAX_BATCH}张凭证 / 1 to {MAX_BATCH} vouchers at a time"))


class VoucherIdsSchema(Strict):
    """Batch review/post: the listed vouchers, or every one of a period still waiting."""
    ids = List(Uuid(), validate=validate.Length(min=1, max=MAX_BATCH))
    period = PeriodField()

    @validates_schema
    def one_of_them(self, data, **kwargs):
        if ("ids" in data) == ("period" in data):
            raise ValidationError("请给出 ids 或 period 之一 / give either ids or period", "_schema")


class ReverseSchema(Strict):
    date = Date()  # default: today if its period is open, else the first open period
    summary = Text(200)  # default: 冲销 and the original's number


class RenumberSchema(Strict):
    period = PeriodField(required=True)
    word = Choice(VOUCHER_WORDS)  # default: every word of the period


class VouchersQuery(Strict):
    period = PeriodField()
    # from/to: periods (YYYY-MM), both included
    from_ = PeriodField(data_key="from")
    to = PeriodField()
    status = Choice(VOUCHER_STATUSES)
    word = Choice(VOUCHER_WORDS)
    account = Text(20, validate=validate.Regexp(r"^[0-9]{1,20}$", error="科目代码为数字 / digits"))
    page = QueryInteger(1, 100000, load_default=1)
    page_size = QueryInteger(1, 500, load_default=50)


class ExportQuery(VouchersQuery):
    page_size = QueryInteger(1, 50000, load_default=50000)


class TemplateLineSchema(Strict):
    summary = Text(200, load_default="")
    account = _code(required=True)
    side = Choice({"debit": "借", "credit": "贷"}, required=True)
    amount = Money(allow_none=True)  # a fixed amount, or none: given when the voucher is made
    aux_item = _aux_ref(allow_none=True)


class TemplateSchema(Strict):
    name = Name(100, required=True, min_length=1)
    kind = Choice(TEMPLATE_KINDS, load_default="common")
    word = Choice(VOUCHER_WORDS, load_default="记")
    lines = List(Nested(TemplateLineSchema), required=True, validate=validate.Length(
        min=2, max=MAX_LINES, error=f"模板应有2至{MAX_LINES}行 / a template has 2 to {MAX_LINES} lines"))


class FromTemplateSchema(Strict):
    date = Date(required=True)
    # one entry per template line, in order: an amount, or null to keep the template's fixed amount
    amounts = List(Money(allow_none=True), validate=validate.Length(max=MAX_LINES))
    attachments = Integer(0, 9999, load_default=0)


class PostedEntriesQuery(Strict):
    after_sequence = QueryInteger(0, 2 ** 62, load_default=0)
    limit = QueryInteger(1, 1000, load_default=100)


class TemplatesQuery(Strict):
    kind = Choice(TEMPLATE_KINDS)


