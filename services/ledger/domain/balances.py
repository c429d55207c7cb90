"""Balance arithmetic for the books of account (科目余额表, 总账, 明细账): pure, no database.

A balance is kept as one signed number, the NET = debit − credit. Leaves carry the
figures (posted movements are kept per leaf account); a parent account's figures
are the sum of the leaves under it, found by code prefix (4-2-2-2: 1002 → 100201 → 10020101).

Presentation (科目余额表): a net balance is shown on the side of its sign, whatever
the account's normal direction — a positive net in the debit column, a negative net
as a positive amount in the credit column. So a bank account (借方科目) that is
overdrawn shows its balance under 贷方. Every row shows at most one of
opening_debit/opening_credit (and of closing_debit/closing_credit), the totals over
the first-level accounts then balance exactly when the books do.
For 总账 and 明细账 the balance is shown the traditional way: a direction 借/贷/平 and
a non-negative amount."""
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")
CODE_SEGMENTS = (4, 6, 8, 10)  # 4-2-2-2


def ancestors(code):
    """The code itself and every parent code: '10020101' → ['1002', '100201', '10020101']."""
    return [code[:n] for n in CODE_SEGMENTS if n <= len(code)]


def level_of(code):
    return CODE_SEGMENTS.index(len(code)) + 1 if len(code) in CODE_SEGMENTS else None


@dataclass
class Figures:
    """One account's figures over a range of periods: the opening net, the movements."""
    opening: Decimal = ZERO  # net (debit − credit) before the range
    debit: Decimal = ZERO  # posted debits in the range
    credit: Decimal = ZERO

    @property
    def closing(self):
        return self.opening + self.debit - self.credit

    def add(self, other):
        self.opening += other.opening
        self.debit += other.debit
        self.credit += other.credit

    def is_zero(self):
        return not (self.opening or self.debit or self.credit)


def split(net):
    """A net balance as (debit, credit): on the side of its sign."""
    return (net, ZERO) if net >= 0 else (ZERO, -net)


def side(net):
    """The traditional presentation: ('借' | '贷' | '平', amount ≥ 0) and the English side."""
    if net > 0:
        return "借", "debit", net
    if net < 0:
        return "贷", "credit", -net
    return "平", "flat", ZERO


def roll_up(leaf_figures, codes=None):
    """{code: Figures} for every account that has a leaf under it. `leaf_figures`
    maps a posting account's code to its Figures; `codes` (optional) limits the result
    to known accounts (parents that are not in the chart are skipped)."""
    totals = {}
    for code, figures in leaf_figures.items():
        for prefix in ancestors(code):
            if codes is not None and prefix not in codes:
                continue
            totals.setdefault(prefix, Figures()).add(figures)
    return totals


def money(value):
    return str(Decimal(value).quantize(Decimal("0.01")))


SIX = ("opening_debit", "opening_credit", "period_debit", "period_credit", "closing_debit", "closing_credit")


def tb_amounts(figures):
    opening_debit, opening_credit = split(figures.opening)
    closing_debit, closing_credit = split(figures.closing)
    return {"opening_debit": opening_debit, "opening_credit": opening_credit,
            "period_debit": figures.debit, "period_credit": figures.credit,
            "closing_debit": closing_debit, "closing_credit": closing_credit}


def trial_balance(accounts, leaf_figures, *, level=None, include_zero=False):
    """科目余额表. `accounts`: the chart as dicts with code, name, class, direction,
    level, is_leaf. `leaf_figures`: {code: Figures} of the accounts that take postings.
    Returns {"rows", "totals", "balanced"} with Decimal amounts; rows in code order,
    every level (or up to `level`), accounts with no figures left out unless
    `include_zero`. Totals are over the first-level accounts (each leaf counted once)."""
    by_code = {a["code"]: a for a in accounts}
    figures = roll_up(leaf_figures, by_code)
    rows = []
    totals = dict.fromkeys(SIX, ZERO)
    for code in sorted(by_code):
        account = by_code[code]
        fig = figures.get(code) or Figures()
        if account["level"] == 1:
            for key, value in tb_amounts(fig).items():
                totals[key] += value
        if level is not None and account["level"] > level:
            continue
        if fig.is_zero() and not include_zero:
            continue
        rows.append({"account": code, "name": account["name"], "class": account["class"],
                     "direction": account["direction"], "level": account["level"], "is_leaf": account["is_leaf"],
                     **tb_amounts(fig)})
    # a leaf whose first-level account is missing from the chart would escape the totals
    orphans = sorted(code for code in leaf_figures if code[:4] not in by_code and not leaf_figures[code].is_zero())
    for code in orphans:
        for key, value in tb_amounts(leaf_figures[code]).items():
            totals[key] += value
    balanced = (totals["opening_debit"] == totals["opening_credit"]
                and totals["period_debit"] == totals["period_credit"]
                and totals["closing_debit"] == totals["closing_credit"])
    return {"rows": rows, "totals": totals, "balanced": balanced, "orphans": orphans}


def as_strings(row):
    return {key: (money(value) if isinstance(value, Decimal) else value) for key, value in row.items()}
