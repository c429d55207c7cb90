"""Period end: periods, 结转损益, 计提, close checks, close, reopen, and batch close
(a background job run by a timer in every replica; see usecases/jobs.py)."""
import logging

from nameko.timer import timer

from contracts.ledger import reports as rs
from servicekit.config import setting
from servicekit.rpc import rpc
from servicekit.service import Input, parse

from ..usecases import jobs, periods
from .base import LedgerBase

log = logging.getLogger(__name__)


class PeriodInput(Input):
    """A period in the path ("2026-01"), checked like a body: after the permission."""
    __slots__ = ()

    def load(self):
        return super().load()["period"]


def _period(value):
    return PeriodInput(rs.PeriodQuery, {"period": value}, {})


class PeriodEntrypoints(LedgerBase):

    @rpc
    def list_periods(self, client_id):
        return self._run(periods.list_periods, client_id, permission="ledger.read")

    @rpc
    def period_history(self, client_id):
        return self._run(periods.period_history, client_id, permission="ledger.read")

    @rpc
    def carry_forward(self, client_id, period):
        return self._run(periods.carry_forward, client_id, _period(period), permission="periods.close")

    @rpc
    def accrue(self, client_id, period, payload):
        return self._run(periods.accrue, client_id, _period(period), parse(rs.AccrueSchema, payload),
                         permission="vouchers.write", idempotent="accrue")

    @rpc
    def close_check(self, client_id, period):
        return self._run(periods.close_check, client_id, _period(period), permission="ledger.read")

    @rpc
    def close_period(self, client_id, period):
        return self._run(periods.close_period, client_id, _period(period), permission="periods.close")

    @rpc
    def reopen_period(self, client_id, period):
        return self._run(periods.reopen_period, client_id, _period(period), permission="periods.reopen")

    # -- batch close ----------------------------------------------------------------------
    @rpc
    def start_batch_close(self, payload):
        return self._run(jobs.start_batch_close, parse(rs.BatchCloseSchema, payload),
                         permission="periods.batch_close", idempotent="start_batch_close")

    @rpc
    def get_job(self, job_id):
        return self._run(jobs.get_job, job_id, permission="periods.batch_close")

    @timer(interval=1)
    def run_batch_jobs(self):
        """Claim and run queued (or abandoned) batch-close jobs."""
        jobs.work(self.db.engine, self.tools, self.tools.settings.batch_close_concurrency,
                  stale_seconds=setting("BATCH_CLOSE_STALE_SECONDS", jobs.STALE_SECONDS, int))
