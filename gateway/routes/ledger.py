"""Routes owned by the ledger service (账务处理): books (账套), the chart of accounts,
auxiliary items, opening balances, vouchers and their review and posting, voucher
templates, import and export, the books of account (科目余额表, 总账, 明细账, 序时账),
and period end (结转, 计提, 结账). The ledger validates every payload (with
contracts.ledger, which the gateway reads only for OpenAPI) and checks permissions,
which books the caller may see, and every accounting rule itself."""
from contracts.ledger import reports as rs
from contracts.ledger import responses as lr
from contracts.ledger import schemas as ls

from ..http import api
from ..rpc import call
from .clients import download


BOOKS = ("账套 Books",)
VOUCHERS = ("凭证 Vouchers",)
REPORTS = ("账簿 Books of account",)
PERIODS = ("期末 Period end",)

CLIENT = "/api/v1/clients/<client_id>"


def voucher_path(req):
    return req.path["client_id"], req.path["voucher_id"]


class LedgerRoutes:
    """Mixed into GatewayService, which provides `self.ledger` (RPC to ledger) and
    `self.ledger_bulk` (the same, with BULK_RPC_TIMEOUT_SECONDS for imports and batches)."""

    def _bulk(self, method, *args):
        return call(self.ledger_bulk, method, *args)  # BULK_RPC_TIMEOUT_SECONDS

    # -- the book, its accounts, auxiliary items and opening balances -------------------
    @api("POST", CLIENT + "/books", reply=lr.BookReply, status=201, body=ls.CreateBookSchema, idempotent=True,
         summary="建账 / Open the client's book (standard, start period)", tags=BOOKS)
    def create_book(self, req):
        return call(self.ledger, "create_book", req.path["client_id"], req.json)

    @api("GET", "/api/v1/books", reply=lr.BooksPage, query=ls.BooksQuery,
         summary="账套列表 / The books I may see", tags=BOOKS)
    def list_books(self, req):
        return call(self.ledger, "list_books", req.query)

    @api("GET", CLIENT + "/book", reply=lr.BookReply, summary="账套 / The client's book", tags=BOOKS)
    def get_book(self, req):
        return call(self.ledger, "get_book", req.path["client_id"])

    @api("PATCH", CLIENT + "/book", body=ls.UpdateBookSchema,
         summary="修改账套设置 / Change voucher words or self-review", tags=BOOKS)
    def update_book(self, req):
        return call(self.ledger, "update_book", req.path["client_id"], req.json)

    @api("GET", CLIENT + "/accounts", reply=lr.Accounts, query=ls.AccountsQuery,
         summary="科目表 / The chart of accounts", tags=BOOKS)
    def list_accounts(self, req):
        return call(self.ledger, "list_accounts", req.path["client_id"], req.query)

    @api("POST", CLIENT + "/accounts", reply=lr.AccountReply, status=201, body=ls.AccountSchema,
         summary="新增明细科目 / Add a sub-account", tags=BOOKS)
    def add_account(self, req):
        return call(self.ledger, "add_account", req.path["client_id"], req.json)

    @api("PATCH", CLIENT + "/accounts/<code>", body=ls.AccountUpdateSchema,
         summary="修改科目 / Rename, enable or disable an account, or set its auxiliary dimension", tags=BOOKS)
    def update_account(self, req):
        return call(self.ledger, "update_account", req.path["client_id"], req.path["code"], req.json)

    @api("GET", CLIENT + "/aux-items", reply=lr.AuxItems, query=ls.AuxItemsQuery,
         summary="辅助核算项目 / Auxiliary items (customers, suppliers, departments …)", tags=BOOKS)
    def list_aux_items(self, req):
        return call(self.ledger, "list_aux_items", req.path["client_id"], req.query)

    @api("POST", CLIENT + "/aux-items", reply=lr.AuxItemReply, status=201, body=ls.AuxItemSchema,
         summary="新增辅助核算项目 / Add an auxiliary item", tags=BOOKS)
    def add_aux_item(self, req):
        return call(self.ledger, "add_aux_item", req.path["client_id"], req.json)

    @api("PATCH", CLIENT + "/aux-items/<item_id>", reply=lr.AuxItemReply, body=ls.AuxItemUpdateSchema,
         summary="修改辅助核算项目 / Change an auxiliary item", tags=BOOKS)
    def update_aux_item(self, req):
        return call(self.ledger, "update_aux_item", req.path["client_id"], req.path["item_id"], req.json)

    @api("GET", CLIENT + "/opening-balances", summary="期初余额 / Opening balances and whether they balance",
         tags=BOOKS)
    def get_opening_balances(self, req):
        return call(self.ledger, "get_opening_balances", req.path["client_id"])

    @api("PUT", CLIENT + "/opening-balances", body=ls.OpeningBalancesSchema,
         summary="录入期初余额 / Replace the opening balances (before any posting)", tags=BOOKS)
    def set_opening_balances(self, req):
        return call(self.ledger, "set_opening_balances", req.path["client_id"], req.json)

    # -- vouchers ------------------------------------------------------------------------
    @api("POST", CLIENT + "/vouchers", reply=lr.VoucherReply, status=201, body=ls.VoucherSchema, idempotent=True,
         summary="录入凭证 / Enter a voucher (a draft; Idempotency-Key)", tags=VOUCHERS)
    def create_voucher(self, req):
        return call(self.ledger, "create_voucher", req.path["client_id"], req.json)

    @api("GET", CLIENT + "/vouchers", reply=lr.VouchersPage, query=ls.VouchersQuery,
         summary="凭证列表 / Vouchers by period, range, status, word or account", tags=VOUCHERS)
    def list_vouchers(self, req):
        return call(self.ledger, "list_vouchers", req.path["client_id"], req.query)

    @api("POST", CLIENT + "/vouchers/batch", status=201, body=ls.VoucherBatchSchema, bulk_body=True, idempotent=True,
         summary="批量录入凭证 / Enter many vouchers (all or nothing)", tags=VOUCHERS)
    def create_vouchers(self, req):
        return self._bulk("create_vouchers", req.path["client_id"], req.json)

    @api("POST", CLIENT + "/vouchers/review-batch", body=ls.VoucherIdsSchema,
         summary="批量审核 / Review vouchers by ids or period", tags=VOUCHERS)
    def review_vouchers(self, req):
        return self._bulk("review_vouchers", req.path["client_id"], req.json)

    @api("POST", CLIENT + "/vouchers/post-batch", body=ls.VoucherIdsSchema,
         summary="批量记账 / Post reviewed vouchers by ids or period", tags=VOUCHERS)
    def post_vouchers(self, req):
        return self._bulk("post_vouchers", req.path["client_id"], req.json)

    @api("POST", CLIENT + "/vouchers/renumber", body=ls.RenumberSchema,
         summary="整理凭证 / Close the gaps in a period's voucher numbers", tags=VOUCHERS)
    def renumber_vouchers(self, req):
        return self._bulk("renumber_vouchers", req.path["client_id"], req.json)

    @api("POST", CLIENT + "/vouchers/import", status=201, upload=True, idempotent=True,
         summary="导入凭证 / Import vouchers from .xlsx or .csv (all or nothing; every bad row listed)",
         tags=VOUCHERS)
    def import_vouchers(self, req):
        return self._bulk("import_vouchers", req.path["client_id"], req.upload)

    @api("GET", CLIENT + "/vouchers/export", download=True, query=ls.ExportQuery,
         summary="导出凭证 / Export the filtered vouchers to .xlsx", tags=VOUCHERS)
    def export_vouchers(self, req):
        return download(self._bulk("export_vouchers", req.path["client_id"], req.query))

    @api("GET", "/api/v1/voucher-import-template", download=True,
         summary="凭证导入模板 / The .xlsx template for importing vouchers", tags=VOUCHERS)
    def voucher_import_template(self, req):
        return download(call(self.ledger, "voucher_import_template"))

    @api("GET", CLIENT + "/vouchers/<voucher_id>", reply=lr.VoucherReply,
         summary="凭证详情 / One voucher with its lines", tags=VOUCHERS)
    def get_voucher(self, req):
        return call(self.ledger, "get_voucher", *voucher_path(req))

    @api("PUT", CLIENT + "/vouchers/<voucher_id>", body=ls.VoucherUpdateSchema,
         summary="修改凭证 / Change a draft (with the version read; 409 if stale or not a draft)", tags=VOUCHERS)
    def update_voucher(self, req):
        return call(self.ledger, "update_voucher", *voucher_path(req), req.json)

    @api("DELETE", CLIENT + "/vouchers/<voucher_id>", status=204,
         summary="删除凭证 / Delete a draft (its number stays a gap until 整理凭证)", tags=VOUCHERS)
    def delete_voucher(self, req):
        call(self.ledger, "delete_voucher", *voucher_path(req))
        return 204, None

    @api("POST", CLIENT + "/vouchers/<voucher_id>/review",
         summary="审核凭证 / Review a draft (not by its creator unless the book allows it)", tags=VOUCHERS)
    def review_voucher(self, req):
        return call(self.ledger, "review_voucher", *voucher_path(req))

    @api("POST", CLIENT + "/vouchers/<voucher_id>/unreview",
         summary="取消审核 / Back to draft (before posting)", tags=VOUCHERS)
    def unreview_voucher(self, req):
        return call(self.ledger, "unreview_voucher", *voucher_path(req))

    @api("POST", CLIENT + "/vouchers/<voucher_id>/post",
         summary="记账 / Post a reviewed voucher to the balances", tags=VOUCHERS)
    def post_voucher(self, req):
        return call(self.ledger, "post_voucher", *voucher_path(req))

    @api("POST", CLIENT + "/vouchers/<voucher_id>/reverse", status=201, body=ls.ReverseSchema,
         summary="红字冲销 / Reverse a posted voucher with a new, negated voucher", tags=VOUCHERS)
    def reverse_voucher(self, req):
        return call(self.ledger, "reverse_voucher", *voucher_path(req), req.json)

    # -- voucher templates -----------------------------------------------------------------
    @api("GET", CLIENT + "/templates", query=ls.TemplatesQuery, summary="凭证模板 / Voucher templates",
         tags=VOUCHERS)
    def list_templates(self, req):
        return call(self.ledger, "list_templates", req.path["client_id"], req.query)

    @api("POST", CLIENT + "/templates", status=201, body=ls.TemplateSchema,
         summary="新建凭证模板 / Save a voucher template", tags=VOUCHERS)
    def create_template(self, req):
        return call(self.ledger, "create_template", req.path["client_id"], req.json)

    @api("DELETE", CLIENT + "/templates/<template_id>", status=204,
         summary="删除凭证模板 / Delete a voucher template", tags=VOUCHERS)
    def delete_template(self, req):
        call(self.ledger, "delete_template", req.path["client_id"], req.path["template_id"])
        return 204, None

    @api("POST", CLIENT + "/templates/<template_id>/voucher", status=201, body=ls.FromTemplateSchema, idempotent=True,
         summary="按模板生成凭证 / A draft voucher from a template", tags=VOUCHERS)
    def voucher_from_template(self, req):
        return call(self.ledger, "voucher_from_template", req.path["client_id"], req.path["template_id"], req.json)

    @api("GET", CLIENT + "/posted-entries", query=ls.PostedEntriesQuery,
         summary="已记账凭证流 / Posted vouchers after an event sequence (rebuild for subscribers)", tags=VOUCHERS)
    def posted_entries(self, req):
        return call(self.ledger, "posted_entries", req.path["client_id"], req.query)

    # -- books of account ---------------------------------------------------------------------
    @api("GET", CLIENT + "/trial-balance", query=rs.TrialBalanceQuery,
         summary="科目余额表 / Trial balance for a period or range", tags=REPORTS)
    def trial_balance(self, req):
        return call(self.ledger, "trial_balance", req.path["client_id"], req.query)

    @api("GET", CLIENT + "/ledgers/general", query=rs.LedgerRangeQuery,
         summary="总账 / General ledger per account and period", tags=REPORTS)
    def general_ledger(self, req):
        return call(self.ledger, "general_ledger", req.path["client_id"], req.query)

    @api("GET", CLIENT + "/ledgers/detail", query=rs.DetailLedgerQuery,
         summary="明细账 / Detail ledger of an account with the running balance", tags=REPORTS)
    def detail_ledger(self, req):
        return call(self.ledger, "detail_ledger", req.path["client_id"], req.query)

    @api("GET", CLIENT + "/journal", query=rs.JournalQuery,
         summary="序时账 / Journal: posted lines in date order", tags=REPORTS)
    def journal(self, req):
        return call(self.ledger, "journal", req.path["client_id"], req.query)

    @api("GET", CLIENT + "/aux-balances", query=rs.AuxBalancesQuery,
         summary="辅助核算余额表 / Balances per auxiliary item", tags=REPORTS)
    def aux_balances(self, req):
        return call(self.ledger, "aux_balances", req.path["client_id"], req.query)

    # -- period end ---------------------------------------------------------------------------
    @api("GET", CLIENT + "/periods", summary="会计期间 / The book's periods and their state", tags=PERIODS)
    def list_periods(self, req):
        return call(self.ledger, "list_periods", req.path["client_id"])

    @api("GET", CLIENT + "/period-history",
         summary="结账记录 / Who closed and reopened which period, when", tags=PERIODS)
    def period_history(self, req):
        return call(self.ledger, "period_history", req.path["client_id"])

    @api("GET", CLIENT + "/periods/<period>/close-check",
         summary="结账检查 / What must hold before the period can close", tags=PERIODS)
    def close_check(self, req):
        return call(self.ledger, "close_check", req.path["client_id"], req.path["period"])

    @api("POST", CLIENT + "/periods/<period>/carry-forward",
         summary="结转损益 / Carry profit and loss forward (year end: to 利润分配)", tags=PERIODS)
    def carry_forward(self, req):
        return call(self.ledger, "carry_forward", req.path["client_id"], req.path["period"])

    @api("POST", CLIENT + "/periods/<period>/accrue", body=rs.AccrueSchema, idempotent=True,
         summary="计提 / Accrue wages, depreciation, surtaxes … from a template", tags=PERIODS)
    def accrue(self, req):
        return call(self.ledger, "accrue", req.path["client_id"], req.path["period"], req.json)

    @api("POST", CLIENT + "/periods/<period>/close", summary="结账 / Close the period (all checks must pass)",
         tags=PERIODS)
    def close_period(self, req):
        return call(self.ledger, "close_period", req.path["client_id"], req.path["period"])

    @api("POST", CLIENT + "/periods/<period>/reopen", summary="反结账 / Reopen the latest closed period",
         tags=PERIODS)
    def reopen_period(self, req):
        return call(self.ledger, "reopen_period", req.path["client_id"], req.path["period"])

    @api("POST", "/api/v1/batch-close", status=202, body=rs.BatchCloseSchema, idempotent=True,
         summary="批量结账 / Close a period for many clients (a background job)", tags=PERIODS)
    def start_batch_close(self, req):
        return call(self.ledger, "start_batch_close", req.json)

    @api("GET", "/api/v1/jobs/<job_id>", summary="任务进度 / A background job's progress and results",
         tags=PERIODS)
    def get_job(self, req):
        return call(self.ledger, "get_job", req.path["job_id"])
