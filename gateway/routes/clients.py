"""Routes owned by the clients service (客户管理): client companies, contacts, bank
accounts, the legal representative, staff assignments, contracts, service records,
feedback, the monthly board, Excel import and export. The service validates every
payload (with contracts.clients, which the gateway reads only for OpenAPI) and checks
permissions, visibility and the business rules itself."""
from contracts.clients import schemas as cs
from contracts.clients import responses as cr

from ..http import api, file_response
from ..rpc import call

CLIENTS = ("客户 Clients",)
STAFF = ("服务人员 Assignments",)
CONTRACTS = ("合同 Contracts",)
SERVICE = ("服务与反馈 Service & feedback",)
EXCEL = ("导入导出 Excel",)


def download(reply):
    return file_response(reply["content_base64"], reply["filename"], reply["content_type"])


class ClientsRoutes:
    """Mixed into GatewayService, which provides `self.clients` (RPC to clients)."""

    # -- client companies ----------------------------------------------------------
    @api("POST", "/api/v1/clients", reply=cr.ClientReply, status=201, body=cs.CreateClientSchema, idempotent=True,
         summary="新建客户 / Create a client company", tags=CLIENTS)
    def create_client(self, req):
        return call(self.clients, "create_client", req.json)

    @api("GET", "/api/v1/clients", reply=cr.ClientsPage, query=cs.ClientsQuery,
         summary="客户列表 / Clients I may see: search, filter, sort, page", tags=CLIENTS)
    def list_clients(self, req):
        return call(self.clients, "list_clients", req.query)

    @api("GET", "/api/v1/clients/<client_id>", reply=cr.ClientReply,
         summary="客户详情 / One client with contacts and bank accounts",
         tags=CLIENTS)
    def get_client(self, req):
        return call(self.clients, "get_client", req.path["client_id"])

    @api("PATCH", "/api/v1/clients/<client_id>", reply=cr.ClientReply, body=cs.UpdateClientSchema,
         summary="修改客户 / Change a client (with the version read; 409 if stale)", tags=CLIENTS)
    def update_client(self, req):
        return call(self.clients, "update_client", req.path["client_id"], req.json)

    @api("POST", "/api/v1/clients/<client_id>/status", body=cs.ChangeStatusSchema,
         summary="变更客户状态 / Pause, terminate or reactivate a client", tags=CLIENTS)
    def change_client_status(self, req):
        return call(self.clients, "change_client_status", req.path["client_id"], req.json)

    @api("POST", "/api/v1/clients/<client_id>/legal-representative/reveal", body=cs.RevealSchema,
         summary="查看完整身份证号 / Reveal the legal representative's ID number (audited)", tags=CLIENTS)
    def reveal_legal_representative(self, req):
        return call(self.clients, "reveal_legal_representative", req.path["client_id"], req.json)

    @api("GET", "/api/v1/clients/reveal-log", query=cs.RevealLogQuery,
         summary="敏感信息查看记录 / Who revealed which sensitive value, when", tags=CLIENTS)
    def reveal_log(self, req):
        return call(self.clients, "reveal_log", req.query)

    # -- contacts and bank accounts ----------------------------------------------------
    @api("GET", "/api/v1/clients/<client_id>/contacts", reply=cr.Contacts, summary="联系人 / A client's contacts",
         tags=CLIENTS)
    def list_contacts(self, req):
        return call(self.clients, "list_contacts", req.path["client_id"])

    @api("POST", "/api/v1/clients/<client_id>/contacts", status=201, body=cs.ContactSchema,
         summary="添加联系人 / Add a contact", tags=CLIENTS)
    def add_contact(self, req):
        return call(self.clients, "add_contact", req.path["client_id"], req.json)

    @api("PATCH", "/api/v1/clients/<client_id>/contacts/<contact_id>", body=cs.ContactUpdateSchema,
         summary="修改联系人 / Change a contact (or make it primary)", tags=CLIENTS)
    def update_contact(self, req):
        return call(self.clients, "update_contact", req.path["client_id"], req.path["contact_id"], req.json)

    @api("DELETE", "/api/v1/clients/<client_id>/contacts/<contact_id>", status=204,
         summary="删除联系人 / Remove a contact", tags=CLIENTS)
    def remove_contact(self, req):
        call(self.clients, "remove_contact", req.path["client_id"], req.path["contact_id"])
        return 204, None

    @api("GET", "/api/v1/clients/<client_id>/bank-accounts", reply=cr.BankAccounts,
         summary="银行账户 / A client's bank accounts (masked)",
         tags=CLIENTS)
    def list_bank_accounts(self, req):
        return call(self.clients, "list_bank_accounts", req.path["client_id"])

    @api("POST", "/api/v1/clients/<client_id>/bank-accounts", status=201, body=cs.BankAccountSchema,
         summary="添加银行账户 / Add a bank account", tags=CLIENTS)
    def add_bank_account(self, req):
        return call(self.clients, "add_bank_account", req.path["client_id"], req.json)

    @api("PATCH", "/api/v1/clients/<client_id>/bank-accounts/<account_id>", body=cs.BankAccountUpdateSchema,
         summary="修改银行账户 / Change a bank account", tags=CLIENTS)
    def update_bank_account(self, req):
        return call(self.clients, "update_bank_account", req.path["client_id"], req.path["account_id"], req.json)

    @api("DELETE", "/api/v1/clients/<client_id>/bank-accounts/<account_id>", status=204,
         summary="删除银行账户 / Remove a bank account", tags=CLIENTS)
    def remove_bank_account(self, req):
        call(self.clients, "remove_bank_account", req.path["client_id"], req.path["account_id"])
        return 204, None

    @api("POST", "/api/v1/clients/<client_id>/bank-accounts/<account_id>/reveal", body=cs.RevealSchema,
         summary="查看完整银行账号 / Reveal a full bank account number (audited)", tags=CLIENTS)
    def reveal_bank_account(self, req):
        return call(self.clients, "reveal_bank_account", req.path["client_id"], req.path["account_id"], req.json)

    # -- staff assignments ------------------------------------------------------------
    @api("GET", "/api/v1/clients/<client_id>/assignments", summary="服务人员 / Who serves the client", tags=STAFF)
    def list_assignments(self, req):
        return call(self.clients, "list_assignments", req.path["client_id"])

    @api("PUT", "/api/v1/clients/<client_id>/assignments/<role>", body=cs.AssignSchema,
         summary="分配服务人员 / Assign the supervisor, accountant or assistant", tags=STAFF)
    def assign(self, req):
        return call(self.clients, "assign", req.path["client_id"], req.path["role"], req.json)

    @api("DELETE", "/api/v1/clients/<client_id>/assignments/<role>",
         summary="取消分配 / Leave a role unassigned", tags=STAFF)
    def unassign(self, req):
        return call(self.clients, "unassign", req.path["client_id"], req.path["role"])

    @api("GET", "/api/v1/clients/<client_id>/assignments/history", query=cs.PageQuery,
         summary="分配记录 / Every (re)assignment of the client", tags=STAFF)
    def assignment_history(self, req):
        return call(self.clients, "assignment_history", req.path["client_id"], req.query)

    # -- contracts ----------------------------------------------------------------------
    @api("GET", "/api/v1/clients/<client_id>/contracts", query=cs.ContractsQuery,
         summary="客户的合同 / A client's contracts", tags=CONTRACTS)
    def list_contracts(self, req):
        return call(self.clients, "list_contracts", req.path["client_id"], req.query)

    @api("POST", "/api/v1/clients/<client_id>/contracts", reply=cr.ContractReply, status=201,
         body=cs.CreateContractSchema,
         summary="起草合同 / Draft a contract", tags=CONTRACTS)
    def create_contract(self, req):
        return call(self.clients, "create_contract", req.path["client_id"], req.json)

    @api("GET", "/api/v1/contracts/expiring", query=cs.ExpiringQuery,
         summary="即将到期的合同 / Contracts in force ending within the next days (30)", tags=CONTRACTS)
    def expiring_contracts(self, req):
        return call(self.clients, "expiring_contracts", req.query)

    @api("GET", "/api/v1/contracts/<contract_id>", reply=cr.ContractReply, summary="合同详情 / One contract",
         tags=CONTRACTS)
    def get_contract(self, req):
        return call(self.clients, "get_contract", req.path["contract_id"])

    @api("PATCH", "/api/v1/contracts/<contract_id>", body=cs.UpdateContractSchema,
         summary="修改草稿合同 / Change a draft's terms", tags=CONTRACTS)
    def update_contract(self, req):
        return call(self.clients, "update_contract", req.path["contract_id"], req.json)

    @api("POST", "/api/v1/contracts/<contract_id>/activate", summary="合同生效 / Activate a signed draft",
         tags=CONTRACTS)
    def activate_contract(self, req):
        return call(self.clients, "activate_contract", req.path["contract_id"])

    @api("POST", "/api/v1/contracts/<contract_id>/amend", body=cs.AmendContractSchema,
         summary="变更合同 / Amend a contract in force (previous terms kept)", tags=CONTRACTS)
    def amend_contract(self, req):
        return call(self.clients, "amend_contract", req.path["contract_id"], req.json)

    @api("POST", "/api/v1/contracts/<contract_id>/terminate", body=cs.TerminateContractSchema,
         summary="终止合同 / Terminate a contract (reason and date)", tags=CONTRACTS)
    def terminate_contract(self, req):
        return call(self.clients, "terminate_contract", req.path["contract_id"], req.json)

    @api("GET", "/api/v1/contracts/<contract_id>/history", summary="合同变更记录 / Every change of a contract",
         tags=CONTRACTS)
    def contract_history(self, req):
        return call(self.clients, "contract_history", req.path["contract_id"])

    # -- service records, feedback, board -------------------------------------------------
    @api("GET", "/api/v1/clients/<client_id>/service-records", query=cs.ServiceRecordsQuery,
         summary="服务记录 / What was done for the client", tags=SERVICE)
    def list_service_records(self, req):
        return call(self.clients, "list_service_records", req.path["client_id"], req.query)

    @api("POST", "/api/v1/clients/<client_id>/service-records", status=201, body=cs.ServiceRecordSchema,
         summary="登记服务记录 / Record a service done", tags=SERVICE)
    def add_service_record(self, req):
        return call(self.clients, "add_service_record", req.path["client_id"], req.json)

    @api("GET", "/api/v1/clients/<client_id>/feedback", query=cs.FeedbackQuery,
         summary="反馈与投诉 / A client's feedback and complaints", tags=SERVICE)
    def list_feedback(self, req):
        return call(self.clients, "list_feedback", req.path["client_id"], req.query)

    @api("POST", "/api/v1/clients/<client_id>/feedback", status=201, body=cs.FeedbackSchema,
         summary="提交反馈或投诉 / Raise feedback or a complaint", tags=SERVICE)
    def create_feedback(self, req):
        return call(self.clients, "create_feedback", req.path["client_id"], req.json)

    @api("POST", "/api/v1/feedback/<feedback_id>/handle", body=cs.HandleFeedbackSchema,
         summary="处理反馈 / Handle feedback (open → handled)", tags=SERVICE)
    def handle_feedback(self, req):
        return call(self.clients, "handle_feedback", req.path["feedback_id"], req.json)

    @api("POST", "/api/v1/feedback/<feedback_id>/close", body=cs.CloseFeedbackSchema,
         summary="关闭反馈 / Close feedback with a satisfaction score (handled → closed)", tags=SERVICE)
    def close_feedback(self, req):
        return call(self.clients, "close_feedback", req.path["feedback_id"], req.json)

    @api("GET", "/api/v1/clients/<client_id>/board", query=cs.BoardQuery,
         summary="月度看板 / The client's month: service records, feedback, books and tax status", tags=SERVICE)
    def board(self, req):
        return call(self.clients, "board", req.path["client_id"], req.query)

    # -- Excel ------------------------------------------------------------------------------
    @api("GET", "/api/v1/clients/import-template", download=True,
         summary="下载导入模板 / The .xlsx template for importing clients",
         tags=EXCEL)
    def import_template(self, req):
        return download(call(self.clients, "import_template"))

    @api("POST", "/api/v1/clients/import", status=201, upload=True,
         summary="导入客户 / Import clients from .xlsx (all or nothing; every bad row listed)", tags=EXCEL)
    def import_clients(self, req):
        return call(self.clients, "import_clients", req.upload)

    @api("GET", "/api/v1/clients/export", download=True, query=cs.ExportQuery,
         summary="导出客户 / Export the filtered client list to .xlsx (sensitive values masked)", tags=EXCEL)
    def export_clients(self, req):
        return download(call(self.clients, "export_clients", req.query))
