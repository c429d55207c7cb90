"""The shapes the reports and period-end RPCs accept (科目余额表, 总账, 明细账, 序时账,
辅助余额表, 计提, 批量结账). Used twice: by the gateway to document them in OpenAPI, and
by the service itself, which validates every payload with them (after its permission
check), because its RPC is an API too. Built from servicekit.schema.

Query strings arrive as text: their integers are ASCII digits ("25"). A range is
either one `period` or `from` + `to` (both "YYYY-MM", from ≤ to, at most 10 years
apart)."""
from marshmallow import ValidationError, fields, validate, validates_schema

from servicekit.schema import Choice, Date, Dict, List, PeriodField, QueryInteger, Strict, Text, Uuid

from .labels import AUX_KINDS

MAX_RANGE_MONTHS = 120


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


class _Paged(Strict):
    page = QueryInteger(1, 1000000, load_default=1)
    page_size = QueryInteger(1, 1000, load_default=100)


def _account(**kwargs):
    return Text(20, validate=validate.Regexp(r"^[0-9]{4}([0-9]{2}){0,3}$",
                                             error="科目代码应为4-2-2-2位数字 / account code must be digits 4-2-2-2"),
                **kwargs)


def _level():
    return QueryInteger(1, 4, error="级次为1至4 / level is 1 to 4", allow_none=True)


class TrialBalanceQuery(_Range):
    """科目余额表: `level` shows accounts up to that level (1 = first-level only)."""
    level = _level()


class LedgerRangeQuery(_Range):
    """总账: every account (or one account and its sub-accounts) per period of the range."""
    account = _account()
    level = _level()


class DetailLedgerQuery(_Range, _Paged):
    """明细账: one account incl. its sub-accounts, its posted lines with a running balance."""
    account = _account(required=True)
    aux_item = Uuid()


class JournalQuery(_Range, _Paged):
    """序时账: posted lines in date and voucher order."""


class AuxBalancesQuery(_Range):
    """辅助核算余额表: balances per auxiliary item."""
    kind = Choice(AUX_KINDS)
    account = _account()


class PeriodQuery(Strict):
    period = PeriodField(required=True)


class AccrueSchema(Strict):
    """计提: a template (salary 计提工资, depreciation 计提折旧, surtax 计提税金及附加,
    amortization 摊销 — the key or its Chinese name) and its inputs by field, amounts as
    strings such as "1234.50" (the template checks them and names a bad one)."""
    template = Text(50, required=True, min_length=1)
    amounts = Dict(keys=Text(50, min_length=1), values=fields.Raw(allow_none=True), load_default=dict)
    date = Date()  # default: the last day of the period
    word = Text(4, min_length=1)  # the domain names an unknown word (WORD_UNKNOWN)


class BatchCloseSchema(Strict):
    """批量结账: the period, and optionally which clients (default: every book I may see)."""
    period = PeriodField(required=True)
    client_ids = List(Uuid(), validate=validate.Length(min=1, max=10000), allow_none=True)
