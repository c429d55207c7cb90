"""Reports: 科目余额表, 总账, 明细账, 序时账, 辅助核算余额表 (read-only, ledger.read)."""
from servicekit.rpc import rpc

from contracts.ledger import reports as rs
from ..usecases import reports
from .base import LedgerBase, load


class ReportEntrypoints(LedgerBase):

    @rpc
    def trial_balance(self, client_id, query=None):
        return self._run(reports.trial_balance, client_id, load(rs.TrialBalanceQuery, query),
                         permission="ledger.read")

    @rpc
    def general_ledger(self, client_id, query=None):
        return self._run(reports.general_ledger, client_id, load(rs.LedgerRangeQuery, query),
                         permission="ledger.read")

    @rpc
    def detail_ledger(self, client_id, query=None):
        return self._run(reports.detail_ledger, client_id, load(rs.DetailLedgerQuery, query),
                         permission="ledger.read")

    @rpc
    def journal(self, client_id, query=None):
        return self._run(reports.journal, client_id, load(rs.JournalQuery, query), permission="ledger.read")

    @rpc
    def aux_balances(self, client_id, query=None):
        return self._run(reports.aux_balances, client_id, load(rs.AuxBalancesQuery, query),
                         permission="ledger.read")
