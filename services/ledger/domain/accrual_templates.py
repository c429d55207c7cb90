"""计提 templates for the period end: the lines of an accrual voucher from a few amounts.

    build("surtax", "small_business_2013", {"vat": "10000.00", "location_class": "urban"})
    → [{"summary": "计提税金及附加", "account": "5403", "debit": "1200.00", "credit": None}, ...]

Pure arithmetic, Decimal half-up to the 分. Amounts are strings ("1234.50"), Decimals or ints, never
floats. The lines use FIRST-LEVEL codes (2211 应付职工薪酬, 2221 应交税费 …): a fresh book has no
sub-accounts. The service must map each line to a leaf account of the book (or refuse with
ACCOUNT_NOT_LEAF when the book has sub-accounts under that code and no mapping) — this module does not
know the book.

Templates (key: what it books):
- salary 计提工资: management/selling/manufacturing wages → 借 管理费用/销售费用/制造费用, 贷 应付职工薪酬 2211
- depreciation 计提折旧: management/selling/manufacturing → 借 管理费用/销售费用/制造费用, 贷 累计折旧 1602
- surtax 计提税金及附加: base = VAT (+ consumption tax) actually payable; 城建税 7%/5%/1% by location
  (市区/县城、镇/其他), 教育费附加 3%, 地方教育附加 2%; 借 税金及附加, 贷 应交税费 2221 one line each.
  Optional: halve (六税两费减半, 财政部 税务总局公告2023年第12号, small-scale taxpayers and 小型微利企业,
  2023-01 to 2027-12: 减征额 = 应纳税额 × 50%, each rounded, as on the return), education_exempt
  (财税〔2016〕12号: the two 附加 are waived for monthly sales ≤10万). The caller decides both.
- amortization 摊销: intangible → 贷 累计摊销 1702; long_term_prepaid → 贷 长期待摊费用 1801; 借 管理费用.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 15  # an accrual beyond this is a typing mistake, not a month of wages

# the accounts by standard: (small_business_2013, enterprise)
ACCOUNTS = {
    "small_business_2013": {
        "management": "5602", "selling": "5601", "manufacturing": "4101", "payroll": "2211",
        "depreciation": "1602", "surtax": "5403", "taxes": "2221", "amortization": "1702", "prepaid": "1801",
    },
    "enterprise": {
        "management": "6602", "selling": "6601", "manufacturing": "5101", "payroll": "2211",
        "depreciation": "1602", "surtax": "6403", "taxes": "2221", "amortization": "1702", "prepaid": "1801",
    },
}
EXPENSE_SIDES = {"management": ("管理费用", "administrative"), "selling": ("销售费用", "selling"),
                 "manufacturing": ("制造费用", "manufacturing")}

CITY_TAX_RATES = {"urban": Decimal("0.07"), "county_town": Decimal("0.05"), "other": Decimal("0.01")}
LOCATION_NAMES = {"urban": "urban", "市区": "urban", "county_town": "county_town", "县城、镇": "county_town",
                  "县城镇": "county_town", "县城": "county_town", "镇": "county_town", "other": "other",
                  "其他": "other"}
EDUCATION_RATE = Decimal("0.03")
LOCAL_EDUCATION_RATE = Decimal("0.02")
HALF = Decimal("0.5")
_TRUE = {"true", "1", "yes", "y", "是"}
_FALSE = {"false", "0", "no", "n", "否", ""}


class AccrualError(ValueError):
    """Bad input to a template; the service turns it into a 400 with these code and messages."""

    def __init__(self, code, message, message_en, details=None):
        super().__init__(message_en)
        self.code, self.message, self.message_en = code, message, message_en
        self.details = details or {}


def round_cent(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amounts, field, label):
    raw = amounts.get(field)
    if raw is None or raw == "":
        return Decimal(0)
    bad = AccrualError("ACCRUAL_AMOUNT_INVALID", f"{label}金额无效：应为不小于0、最多两位小数的金额，如 1234.50",
                       f"{field}: an amount of 0 or more with at most 2 decimals, such as 1234.50",
                       {"field": field})
    if isinstance(raw, (bool, float)):  # a float cannot say 0.1 exactly
        raise bad
    try:
        value = Decimal(raw.strip().replace(",", "")) if isinstance(raw, str) else Decimal(raw)
    except (InvalidOperation, TypeError, ValueError):
        raise bad from None
    if not value.is_finite() or value < 0 or value >= MAX_AMOUNT or value != value.quantize(CENT):
        raise bad
    return value.quantize(CENT)


def _flag(amounts, field):
    raw = amounts.get(field)
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise AccrualError("ACCRUAL_FLAG_INVALID", f"{field} 应为 是/否", f"{field} must be true or false",
                       {"field": field})


def _line(summary, account, debit=None, credit=None):
    return {"summary": summary, "account": account,
            "debit": None if debit is None else str(debit), "credit": None if credit is None else str(credit)}


def _summary(text, period):
    return f"{text}（{period}）" if period else text


class Template:
    key = ""
    name = ""
    name_en = ""
    fields = {}  # field -> (中文, English)

    def build(self, standard, amounts, *, period=None):
        accounts = _accounts(standard)
        if not isinstance(amounts, dict):
            raise AccrualError("ACCRUAL_AMOUNT_INVALID", "金额应为对象", "amounts must be an object")
        unknown = sorted(set(amounts) - set(self.fields))
        if unknown:
            raise AccrualError("ACCRUAL_FIELD_UNKNOWN", f"{self.name}不接受这些项目：{'、'.join(unknown)}",
                               f"{self.name_en} does not take: {', '.join(unknown)}",
                               {"fields": unknown, "allowed": sorted(self.fields)})
        lines = self._lines(accounts, amounts, period)
        if not lines:
            raise AccrualError("ACCRUAL_NOTHING", f"{self.name}金额均为0，无需生成凭证",
                               f"{self.name_en}: every amount is 0, nothing to accrue")
        # by construction; kept because an unbalanced voucher must never leave this module
        debit = sum(Decimal(line["debit"]) for line in lines if line["debit"] is not None)
        credit = sum(Decimal(line["credit"]) for line in lines if line["credit"] is not None)
        assert debit == credit, (debit, credit)
        return lines

    def describe(self):
        return {"key": self.key, "name": self.name, "name_en": self.name_en,
                "fields": [{"field": f, "label": zh, "label_en": en} for f, (zh, en) in self.fields.items()]}


class _ByDepartment(Template):
    """Expenses split by department (管理/销售/制造) against one credit account."""

    credit_role = ""
    text = ""

    def _lines(self, accounts, amounts, period):
        summary = _summary(self.text, period)
        debits = []
        for side, (label, _) in EXPENSE_SIDES.items():
            value = _money(amounts, side, label)
            if value:
                debits.append(_line(summary, accounts[side], debit=value))
        if not debits:
            return []
        total = sum(Decimal(line["debit"]) for line in debits)
        return debits + [_line(summary, accounts[self.credit_role], credit=total)]


class Salary(_ByDepartment):
    key, name, name_en = "salary", "计提工资", "Accrue wages"
    fields = {"management": ("管理部门工资", "administrative staff wages"),
              "selling": ("销售部门工资", "sales staff wages"),
              "manufacturing": ("车间管理人员工资", "workshop wages")}
    credit_role, text = "payroll", "计提工资"


class Depreciation(_ByDepartment):
    key, name, name_en = "depreciation", "计提折旧", "Depreciation"
    fields = {"management": ("管理部门折旧", "depreciation, administration"),
              "selling": ("销售部门折旧", "depreciation, sales"),
              "manufacturing": ("车间折旧", "depreciation, workshop")}
    credit_role, text = "depreciation", "计提折旧"


class Surtax(Template):
    key, name, name_en = "surtax", "计提税金及附加", "Accrue surtaxes"
    fields = {"vat": ("实际缴纳增值税", "VAT payable (the base)"),
              "consumption_tax": ("实际缴纳消费税", "consumption tax payable (added to the base)"),
              "location_class": ("城建税地区（市区/县城、镇/其他）", "location: urban, county_town or other"),
              "halve": ("六税两费减半", "halve (六税两费 relief)"),
              "education_exempt": ("免征教育费附加和地方教育附加", "exempt from the two education surcharges")}

    def _lines(self, accounts, amounts, period):
        location = LOCATION_NAMES.get(str(amounts.get("location_class") or "").strip())
        if location is None:
            raise AccrualError("ACCRUAL_LOCATION_INVALID", "城建税地区应为 市区、县城、镇 或 其他",
                               "location_class must be urban, county_town or other", {"field": "location_class"})
        base = _money(amounts, "vat", "增值税") + _money(amounts, "consumption_tax", "消费税")
        halve, exempt = _flag(amounts, "halve"), _flag(amounts, "education_exempt")
        taxes = [("城市维护建设税", CITY_TAX_RATES[location])]
        if not exempt:
            taxes += [("教育费附加", EDUCATION_RATE), ("地方教育附加", LOCAL_EDUCATION_RATE)]
        credits = []
        for label, rate in taxes:
            due = round_cent(base * rate)
            if halve:  # as on the return: 减征额 = 应纳税额 × 50%, rounded, then subtracted
                due -= round_cent(due * HALF)
            if due:
                credits.append(_line(_summary(f"计提{label}", period), accounts["taxes"], credit=due))
        if not credits:
            return []
        total = sum(Decimal(line["credit"]) for line in credits)
        return [_line(_summary("计提税金及附加", period), accounts["surtax"], debit=total)] + credits


class Amortization(Template):
    key, name, name_en = "amortization", "摊销", "Amortisation"
    fields = {"intangible": ("无形资产摊销", "intangible assets"),
              "long_term_prepaid": ("长期待摊费用摊销", "long-term prepaid expenses")}

    def _lines(self, accounts, amounts, period):
        lines = []
        for field, credit_role, text in (("intangible", "amortization", "摊销无形资产"),
                                          ("long_term_prepaid", "prepaid", "摊销长期待摊费用")):
            value = _money(amounts, field, self.fields[field][0])
            if value:
                summary = _summary(text, period)
                lines.append(_line(summary, accounts["management"], debit=value))
                lines.append(_line(summary, accounts[credit_role], credit=value))
        # debits first, as a voucher is read
        return [line for line in lines if line["debit"]] + [line for line in lines if line["credit"]]


TEMPLATES = {template.key: template for template in (Salary(), Depreciation(), Surtax(), Amortization())}


def _accounts(standard):
    try:
        return ACCOUNTS[standard]
    except (KeyError, TypeError):
        raise AccrualError("STANDARD_UNKNOWN", "会计准则应为 小企业会计准则 或 企业会计准则",
                           "standard must be small_business_2013 or enterprise", {"standard": standard}) from None


def get(key):
    try:
        return TEMPLATES[key]
    except (KeyError, TypeError):
        raise AccrualError("ACCRUAL_TEMPLATE_UNKNOWN", "没有这个计提模板：" + str(key),
                           f"no accrual template {key!r}; one of {', '.join(TEMPLATES)}",
                           {"allowed": list(TEMPLATES)}) from None


def build(template, standard, amounts, *, period=None):
    """The voucher lines of `template` ("salary", "depreciation", "surtax", "amortization")."""
    return get(template).build(standard, amounts, period=period)


def describe():
    return [template.describe() for template in TEMPLATES.values()]


__all__ = ["AccrualError", "TEMPLATES", "build", "describe", "get", "ACCOUNTS", "CITY_TAX_RATES"]
