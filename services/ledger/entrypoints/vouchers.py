"""Vouchers over RPC: entry, workflow, reversal, batches, renumbering, spreadsheets,
templates and the posted-entries export."""
from contracts.ledger import schemas
from servicekit.rpc import rpc
from servicekit.service import parse

from ..usecases import entries, imports, posting, templates, vouchers
from .base import LedgerBase


class VoucherEntrypoints(LedgerBase):
    # -- entry ------------------------------------------------------------------------------
    @rpc
    def create_voucher(self, client_id, payload):
        return self._run(vouchers.create_voucher, client_id, parse(schemas.VoucherSchema, payload),
                         permission="vouchers.write", idempotent="create_voucher")

    @rpc
    def create_vouchers(self, client_id, payload):
        return self._run(vouchers.create_vouchers, client_id, parse(schemas.VoucherBatchSchema, payload),
                         permission="vouchers.write", idempotent="create_vouchers")

    @rpc
    def get_voucher(self, client_id, voucher_id):
        return self._run(vouchers.get_voucher, client_id, voucher_id, permission="ledger.read")

    @rpc
    def list_vouchers(self, client_id, query=None):
        return self._run(vouchers.list_vouchers, client_id, parse(schemas.VouchersQuery, query),
                         permission="ledger.read")

    @rpc
    def update_voucher(self, client_id, voucher_id, payload):
        return self._run(vouchers.update_voucher, client_id, voucher_id, parse(schemas.VoucherUpdateSchema, payload),
                         permission="vouchers.write")

    @rpc
    def delete_voucher(self, client_id, voucher_id):
        return self._run(vouchers.delete_voucher, client_id, voucher_id, permission="vouchers.write")

    # -- workflow -----------------------------------------------------------------------------
    @rpc
    def review_voucher(self, client_id, voucher_id):
        return self._run(posting.review_voucher, client_id, voucher_id, permission="vouchers.review")

    @rpc
    def unreview_voucher(self, client_id, voucher_id):
        return self._run(posting.unreview_voucher, client_id, voucher_id, permission="vouchers.review")

    @rpc
    def post_voucher(self, client_id, voucher_id):
        return self._run(posting.post_voucher, client_id, voucher_id, permission="vouchers.post")

    @rpc
    def reverse_voucher(self, client_id, voucher_id, payload=None):
        return self._run(vouchers.reverse_voucher, client_id, voucher_id, parse(schemas.ReverseSchema, payload),
                         permission="vouchers.write")

    @rpc
    def review_vouchers(self, client_id, payload):
        return self._run(posting.review_vouchers, client_id, parse(schemas.VoucherIdsSchema, payload),
                         permission="vouchers.review")

    @rpc
    def post_vouchers(self, client_id, payload):
        return self._run(posting.post_vouchers, client_id, parse(schemas.VoucherIdsSchema, payload),
                         permission="vouchers.post")

    @rpc
    def renumber_vouchers(self, client_id, payload):
        return self._run(vouchers.renumber_vouchers, client_id, parse(schemas.RenumberSchema, payload),
                         permission="vouchers.review")

    # -- spreadsheets ------------------------------------------------------------------------
    @rpc
    def import_vouchers(self, client_id, upload):
        return self._run(imports.import_vouchers, client_id, parse(schemas.UploadSchema, upload),
                         permission="vouchers.write", idempotent="import_vouchers")

    @rpc
    def export_vouchers(self, client_id, query=None):
        return self._run(imports.export_vouchers, client_id, parse(schemas.ExportQuery, query),
                         permission="ledger.export")

    @rpc
    def voucher_import_template(self):
        return self._run(imports.voucher_import_template, permission="vouchers.write")

    # -- templates (常用凭证) -------------------------------------------------------------------
    @rpc
    def list_templates(self, client_id, query=None):
        return self._run(templates.list_templates, client_id, parse(schemas.TemplatesQuery, query),
                         permission="ledger.read")

    @rpc
    def create_template(self, client_id, payload):
        return self._run(templates.create_template, client_id, parse(schemas.TemplateSchema, payload),
                         permission="vouchers.write")

    @rpc
    def delete_template(self, client_id, template_id):
        return self._run(templates.delete_template, client_id, template_id, permission="vouchers.write")

    @rpc
    def voucher_from_template(self, client_id, template_id, payload):
        return self._run(templates.voucher_from_template, client_id, template_id,
                         parse(schemas.FromTemplateSchema, payload), permission="vouchers.write",
                         idempotent="voucher_from_template")

    # -- for subscribers ------------------------------------------------------------------------
    @rpc
    def posted_entries(self, client_id, query=None):
        return self._run(entries.posted_entries, client_id, parse(schemas.PostedEntriesQuery, query),
                         permission="ledger.export")
