"""Reports: 科目余额表, 总账, 明细账, 序时账, 辅助核算余额表 (read-only, ledger.read)."""
from contracts.ledger import reports as rs
from servicekit.rpc import rpc
from servicekit.service import parse

from ..usecases import reports
from .base import LedgerBase


class ReportEntrypoints(LedgerBase):

    @rpc
    def trial_balance(self, client_id, query=None):
        return self._run(reports.trial_balance, client_id, parse(rs.TrialBalanceQuery, query),
                         permission="ledger.read")

    @rpc
    def general_ledger(self, client_id, query=None):
        return self._run(reports.general_ledger, client_id, parse(rs.LedgerRangeQuery, query),
                         permission="ledger.read")

    @rpc
    def detail_ledger(self, client_id, query=None):
        return self._run(reports.detail_ledger, client_id, parse(rs.DetailLedgerQuery, query),
                         permission="ledger.read")

    @rpc
    def journal(self, client_id, query=None):
        return self._run(reports.journal, client_id, parse(rs.JournalQuery, query), permission="ledger.read")

    @rpc
    def aux_balances(self, client_id, query=None):
        return self._run(reports.aux_balances, client_id, parse(rs.AuxBalancesQuery, query),
                         permission="ledger.read")
