"""The shapes the reports and period-end RPCs accept (科目余额表, 总账, 明细账, 序时账,
辅助余额表, 计提, 批量结账). Used twice: by the gateway to refuse bad HTTP input early
and document it, and by the service itself, because its RPC is an API too.

Query strings arrive as text, so numbers are parsed from strings. A range is either
one `period` or `from` + `to` (both "YYYY-MM", from ≤ to, at most 10 years apart)."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from servicekit.money import PeriodField

MAX_RANGE_MONTHS = 120
AUX_KINDS = ("customer", "supplier", "department", "project", "employee")


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _months(start, end):
    return (end.year - start.year) * 12 + end.month - start.month


class _Range(Strict):
    """`period`, or `from` and `to`."""
    period = PeriodField()
    from_ = PeriodField(data_key="from")
    to = PeriodField()

    range_required = True

    @validates_schema
    def _one_range(self, data, **kwargs):
        has_period = data.get("period") is not None
        has_from, has_to = data.get("from_") is not None, data.get("to") is not None
        if has_period and (has_from or has_to):
            raise ValidationError("给出 period 或 from/to，不能同时给出 / give period or from/to, not both", "period")
        if has_from != has_to:
            raise ValidationError("from 与 to 须同时给出 / give both from and to", "from" if has_to else "to")
        if self.range_required and not has_period and not has_from:
            raise ValidationError("必须给出 period 或 from/to / period or from/to is required", "period")
        if has_from and data["from_"] > data["to"]:
            raise ValidationError("from 不能晚于 to / from must not be after to", "from")
        if has_from and _months(data["from_"], data["to"]) >= MAX_RANGE_MONTHS:
            raise ValidationError(f"期间范围最多{MAX_RANGE_MONTHS}个月 / at most {MAX_RANGE_MONTHS} periods", "to")


class _Paged(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000000))
    page_size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


_ACCOUNT = dict(validate=validate.Regexp(r"^\d{4}(\d{2}){0,3}$",
                                         error="科目代码应为4-2-2-2位数字 / account code must be digits 4-2-2-2"))
_LEVEL = fields.Integer(validate=validate.Range(min=1, max=4, error="级次为1至4 / level is 1 to 4"), allow_none=True)


class TrialBalanceQuery(_Range):
    """科目余额表: `level` shows accounts up to that level (1 = first-level only)."""
    level = _LEVEL


class LedgerRangeQuery(_Range):
    """总账: every account (or one account and its sub-accounts) per period of the range."""
    account = fields.String(**_ACCOUNT)
    level = _LEVEL


class DetailLedgerQuery(_Range, _Paged):
    """明细账: one account incl. its sub-accounts, its posted lines with a running balance."""
    account = fields.String(required=True, **_ACCOUNT)
    aux_item = fields.UUID()


class JournalQuery(_Range, _Paged):
    """序时账: posted lines in date and voucher order."""


class AuxBalancesQuery(_Range):
    """辅助核算余额表: balances per auxiliary item."""
    kind = fields.String(validate=validate.OneOf(AUX_KINDS))
    account = fields.String(**_ACCOUNT)


class PeriodQuery(Strict):
    period = PeriodField(required=True)


class AccrueSchema(Strict):
    """计提: a template (salary 计提工资, depreciation 计提折旧, surtax 计提税金及附加,
    amortization 摊销 — the key or its Chinese name) and its inputs by field, amounts as
    strings such as "1234.50" (the template checks them and names a bad one)."""
    template = fields.String(required=True, validate=validate.Length(min=1, max=50))
    amounts = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=50)),
                          values=fields.Raw(allow_none=True), load_default=dict)
    date = fields.Date()  # default: the last day of the period
    word = fields.String(validate=validate.Length(min=1, max=4))


class BatchCloseSchema(Strict):
    """批量结账: the period, and optionally which clients (default: every book I may see)."""
    period = PeriodField(required=True)
    client_ids = fields.List(fields.UUID(), validate=validate.Length(min=1, max=10000), allow_none=True)
