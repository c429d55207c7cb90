"""Voucher rules (记账凭证), pure: what makes a voucher valid against its book.

A voucher has at least two lines; each line has exactly one of debit/credit, not
zero, at most 2 decimals (the schema already parsed it to a Decimal), positive — only
a 红字 reversal carries negative amounts; total debits equal total credits. A line's
account is a known, enabled leaf of the book, and an account with an auxiliary
dimension needs an enabled item of that kind on the line (v1: one dimension per
account, so one `aux_key` per line). The totals fit the money column
(domain/amounts.py). Who may review and post: domain/workflow.py."""
from dataclasses import dataclass, field
from decimal import Decimal

from servicekit.errors import BadRequest

from contracts.ledger.labels import AUX_KINDS

from .amounts import check_total

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AccountInfo:
    code: str
    name: str
    is_leaf: bool = True
    enabled: bool = True
    auxiliary: tuple = ()
    klass: str = ""
    direction: str = "debit"


@dataclass(frozen=True)
class AuxInfo:
    id: str
    kind: str
    code: str
    name: str
    enabled: bool = True

    def view(self):
        return {"id": self.id, "kind": self.kind, "code": self.code, "name": self.name}


@dataclass
class AuxLookup:
    """A book's auxiliary items, found by id or by (kind, code)."""
    by_id: dict = field(default_factory=dict)
    by_code: dict = field(default_factory=dict)

    @classmethod
    def of(cls, items):
        lookup = cls()
        for item in items:
            lookup.by_id[item.id] = item
            lookup.by_code[(item.kind, item.code)] = item
        return lookup

    def find(self, ref, kind):
        """`ref`: an item id, a code within `kind`, or {"kind", "code"} (from an import)."""
        if ref is None:
            return None
        if isinstance(ref, dict):
            return self.by_code.get((ref.get("kind"), ref.get("code")))
        return self.by_id.get(ref) or self.by_code.get((kind, ref))


def error(code, message, message_en, **details):
    return BadRequest(code=code, message=message, message_en=message_en, details=details)


def check_word(word, words):
    if word not in words:
        known = "、".join(words)
        raise error("WORD_UNKNOWN", f"凭证字“{word}”不在本账套使用的凭证字（{known}）中",
                    f"The voucher word {word!r} is not one this book uses ({', '.join(words)})",
                    word=word, voucher_words=list(words))
    return word


def check_lines(lines, accounts, aux, *, reversal=False):
    """Normalised lines [{line_no, summary, account_code, debit, credit, aux_key,
    quantity, unit_price}] and the total, or a BadRequest naming the line (1-based)."""
    if not lines or len(lines) < 2:
        raise error("VOUCHER_TOO_FEW_LINES", "凭证至少需要两行分录", "A voucher needs at least two lines",
                    lines=len(lines or ()))
    result, debit_total, credit_total = [], ZERO, ZERO
    for number, line in enumerate(lines, start=1):
        account = accounts.get(line.get("account"))
        code = line.get("account")
        if account is None:
            raise error("ACCOUNT_UNKNOWN", f"第{number}条分录：科目 {code} 不存在", f"Line {number}: no account {code}",
                        line=number, account=code)
        if not account.is_leaf:
            raise error("ACCOUNT_NOT_LEAF", f"第{number}条分录：科目 {code} {account.name} 有下级科目，请使用末级科目",
                        f"Line {number}: account {code} has sub-accounts; use a leaf account", line=number, account=code)
        if not account.enabled:
            raise error("ACCOUNT_DISABLED", f"第{number}条分录：科目 {code} {account.name} 已停用",
                        f"Line {number}: account {code} is disabled", line=number, account=code)
        aux_key = check_aux(number, account, line.get("aux_item"), aux)
        debit, credit = check_amounts(number, line.get("debit"), line.get("credit"), reversal)
        debit_total += debit
        credit_total += credit
        result.append({"line_no": number, "summary": (line.get("summary") or "").strip(), "account_code": code,
                       "debit": debit, "credit": credit, "aux_key": aux_key,
                       "quantity": line.get("quantity"), "unit_price": line.get("unit_price")})
    check_total(debit_total, credit_total)
    if debit_total != credit_total:
        difference = debit_total - credit_total
        raise error("VOUCHER_UNBALANCED",
                    f"借贷不平衡：借方合计 {debit_total:,.2f}，贷方合计 {credit_total:,.2f}，差额 {difference:,.2f}",
                    f"Debits ({debit_total:,.2f}) do not equal credits ({credit_total:,.2f}); difference {difference:,.2f}",
                    debit=format(debit_total, "f"), credit=format(credit_total, "f"), difference=format(difference, "f"))
    return result, debit_total


def check_amounts(number, debit, credit, reversal):
    debit = ZERO if debit is None else Decimal(debit)
    credit = ZERO if credit is None else Decimal(credit)
    if (debit != 0) == (credit != 0):
        raise error("AMOUNT_INVALID", f"第{number}条分录：借方金额和贷方金额须填且只填一方，且不能为零",
                    f"Line {number}: give exactly one of debit and credit, not zero", line=number,
                    reason="one_side")
    for value in (debit, credit):
        if value != value.quantize(Decimal("0.01")):
            raise error("AMOUNT_INVALID", f"第{number}条分录：金额最多两位小数", f"Line {number}: at most 2 decimals",
                        line=number, reason="decimals")
        if value < 0 and not reversal:
            raise error("AMOUNT_INVALID", f"第{number}条分录：金额不能为负数（负数只用于红字冲销凭证）",
                        f"Line {number}: amounts must be positive (negative only on a red reversal)",
                        line=number, reason="negative")
    return debit.quantize(Decimal("0.01")), credit.quantize(Decimal("0.01"))


def check_aux(number, account, ref, aux):
    """The line's aux_key: '' for an account without a dimension, else the item's id."""
    if not account.auxiliary:
        if ref:
            raise error("AUX_ITEM_NOT_ALLOWED", f"第{number}条分录：科目 {account.code} 未设置辅助核算，不能填写辅助项",
                        f"Line {number}: account {account.code} has no auxiliary dimension", line=number,
                        account=account.code)
        return ""
    kind = account.auxiliary[0]
    label = AUX_KINDS.get(kind, kind)
    if not ref:
        raise error("AUX_ITEM_REQUIRED", f"第{number}条分录：科目 {account.code} {account.name} 需要填写{label}辅助核算",
                    f"Line {number}: account {account.code} needs a {kind} item", line=number,
                    account=account.code, kind=kind, reason="missing")
    item = aux.find(ref, kind)
    if item is None or item.kind != kind:
        raise error("AUX_ITEM_REQUIRED", f"第{number}条分录：找不到{label}辅助项 {_ref_text(ref)}",
                    f"Line {number}: no {kind} item {_ref_text(ref)}", line=number, account=account.code,
                    kind=kind, reason="unknown")
    if not item.enabled:
        raise error("AUX_ITEM_REQUIRED", f"第{number}条分录：{label}辅助项 {item.code} {item.name} 已停用",
                    f"Line {number}: {kind} item {item.code} is disabled", line=number, account=account.code,
                    kind=kind, reason="disabled")
    return item.id


def _ref_text(ref):
    return f"{ref.get('kind')}:{ref.get('code')}" if isinstance(ref, dict) else str(ref)


def check_voucher(voucher, accounts, aux, words, *, reversal=False):
    """Word and lines of one voucher payload; returns (lines, total)."""
    check_word(voucher.get("word") or "记", words)
    return check_lines(voucher.get("lines"), accounts, aux, reversal=reversal)
