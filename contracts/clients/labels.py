"""The fixed vocabularies of the clients service: API value -> Chinese label.
The API speaks the keys; the Excel template and export speak the labels."""

TAXPAYER_TYPES = {"small_scale": "小规模纳税人", "general": "一般纳税人"}
ACCOUNTING_STANDARDS = {"small_business_2013": "小企业会计准则", "enterprise": "企业会计准则"}
# 城市维护建设税 rates follow where the taxpayer is: 市区 7%, 县城、镇 5%, 其他 1%
LOCATION_CLASSES = {"urban": "市区", "county_town": "县城、镇", "other": "其他"}
CLIENT_STATUSES = {"active": "服务中", "paused": "暂停服务", "terminated": "已终止"}

CONTRACT_SERVICES = {"bookkeeping": "记账", "tax_filing": "报税", "payroll": "工资",
                     "annual_report": "年报", "other": "其他"}
BILLING_CYCLES = {"monthly": "按月", "quarterly": "按季", "yearly": "按年", "once": "一次性"}
CONTRACT_STATUSES = {"draft": "草稿", "active": "生效", "amended": "已变更（生效）", "terminated": "已终止"}

# one user per role per client
ASSIGNMENT_ROLES = {"supervisor": "主管会计", "accountant": "会计", "assistant": "助理"}

SERVICE_RECORD_KINDS = {"bookkeeping": "记账", "tax_filing": "报税", "payroll": "工资", "annual_report": "年报",
                        "consultation": "咨询", "document_collection": "收取票据", "visit": "上门服务",
                        "other": "其他"}
FEEDBACK_KINDS = {"suggestion": "建议", "complaint": "投诉", "praise": "表扬"}
FEEDBACK_STATUSES = {"open": "待处理", "handled": "已处理", "closed": "已关闭"}

# the fields whose values may travel in events and exports; legal representative,
# contacts and bank accounts are personal or secret and never do
COMPANY_FIELDS = ("name", "short_name", "credit_code", "taxpayer_type", "small_low_profit", "industry",
                  "accounting_standard", "registered_address", "office_address", "location_class",
                  "tax_authority", "establishment_date", "registered_capital", "business_scope")
PERSONAL_FIELDS = ("legal_representative", "contacts", "bank_accounts")
