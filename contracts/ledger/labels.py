"""The fixed vocabularies of the ledger: API value -> Chinese label.
The API speaks the keys; spreadsheets and messages speak the labels."""

STANDARDS = {"small_business_2013": "小企业会计准则", "enterprise": "企业会计准则"}

# 记 (general) or 收/付/转 (receipt, payment, transfer)
VOUCHER_WORDS = {"记": "记账凭证", "收": "收款凭证", "付": "付款凭证", "转": "转账凭证"}
DEFAULT_WORDS = ("记",)

VOUCHER_STATUSES = {"draft": "未审核", "reviewed": "已审核", "posted": "已记账"}
VOUCHER_SOURCES = {"manual": "手工录入", "import": "导入", "template": "常用凭证", "batch": "批量录入",
                   "carry_forward": "结转损益", "accrual": "计提", "reversal": "红字冲销"}

# 辅助核算 dimensions (v1: at most one per account)
AUX_KINDS = {"customer": "客户", "supplier": "供应商", "department": "部门", "project": "项目",
             "employee": "职员"}

ACCOUNT_CLASSES = ("资产", "负债", "共同", "所有者权益", "成本", "损益")
DIRECTIONS = {"debit": "借", "credit": "贷"}

TEMPLATE_KINDS = {"common": "常用凭证", "accrual": "计提"}
