"""What the ledger's main replies look like (OpenAPI only; see contracts/replies.py)."""
from marshmallow import fields

from contracts.replies import Reply, day, list_of, page_of, some_id, timestamp
from servicekit.money import Money, PeriodField


class BookReply(Reply):
    id = some_id(required=True)
    client_id = some_id()
    name = fields.String()
    standard = fields.String()
    start_period = PeriodField()
    currency = fields.String()
    voucher_words = fields.List(fields.String())
    allow_self_review = fields.Boolean()
    opening_balanced = fields.Boolean()
    current_period = PeriodField()
    version = fields.Integer()
    created_at = timestamp()


class AccountReply(Reply):
    code = fields.String(required=True)
    name = fields.String()
    class_ = fields.String(data_key="class")
    direction = fields.String()
    is_leaf = fields.Boolean()
    auxiliary = fields.List(fields.String())
    enabled = fields.Boolean()
    level = fields.Integer()
    parent_code = fields.String(allow_none=True)
    is_standard = fields.Boolean()


class AuxItemReply(Reply):
    id = some_id(required=True)
    kind = fields.String()
    code = fields.String()
    name = fields.String()
    enabled = fields.Boolean()


class VoucherLineReply(Reply):
    line_no = fields.Integer()
    summary = fields.String()
    account = fields.String()
    account_name = fields.String(allow_none=True)
    debit = Money(allow_negative=True, allow_none=True)
    credit = Money(allow_negative=True, allow_none=True)
    aux_item = fields.Dict(allow_none=True)
    quantity = fields.String(allow_none=True)
    unit_price = fields.String(allow_none=True)


class VoucherReply(Reply):
    id = some_id(required=True)
    book_id = some_id()
    client_id = some_id()
    period = PeriodField()
    date = day()
    word = fields.String()
    number = fields.Integer()
    attachments = fields.Integer()
    status = fields.String()
    source = fields.String()
    total = Money(allow_negative=True)
    reversal_of = some_id()
    reversed_by = some_id()
    created_by = some_id()
    reviewed_by = some_id()
    posted_by = some_id()
    created_at = timestamp()
    reviewed_at = timestamp()
    posted_at = timestamp()
    version = fields.Integer()
    lines = fields.List(fields.Nested(VoucherLineReply))


BooksPage = page_of(BookReply, "BooksPage")
VouchersPage = page_of(VoucherReply, "VouchersPage")
Accounts = list_of(AccountReply, "Accounts")
AuxItems = list_of(AuxItemReply, "AuxItems")
