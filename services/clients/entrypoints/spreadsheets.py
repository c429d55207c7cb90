"""Excel over RPC: the import template, the import, the export."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.clients import schemas
from ..usecases import spreadsheets


class SpreadsheetEntrypoints:
    @rpc
    def import_template(self):
        return self._run(spreadsheets.import_template, permission="clients.manage")

    @rpc
    def import_clients(self, upload):
        return self._run(spreadsheets.import_clients, upload, permission="clients.manage")

    @rpc
    def export_clients(self, query=None):
        return self._run(spreadsheets.export_clients, parse(schemas.ExportQuery, query), permission="clients.export")
