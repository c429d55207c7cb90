"""Two ledger processes on one queue and one database, as two Kubernetes replicas of
the Deployment: vouchers entered at the same moment through the gateway are shared
between them, numbered 1..N with no gap and no duplicate, and each posting lands once
in the balances."""
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests

from .conftest import create_user
from .test_ledger_api import act, assign, enter, line, open_book, trial_rows, voucher

COUNT = 40


def created_by_process(url):
    """How many create_voucher calls this process answered, from its /metrics."""
    text = requests.get(url + "/metrics", timeout=5).text
    return sum(float(value) for value in re.findall(
        r'suanpan_entrypoint_calls_total\{[^}]*entrypoint="create_voucher"[^}]*outcome="ok"[^}]*\} (\S+)', text))


def test_two_ledger_processes_share_the_work_and_number_without_gaps(platform, agency_admin):
    platform.start("ledger-2")
    try:
        platform.wait_ready("ledger-2")
        path, _ = open_book(agency_admin)
        accountant = create_user(agency_admin, ["accountant"])
        assign(agency_admin, path, accountant)
        before = {name: created_by_process(platform.url(name)) for name in ("ledger", "ledger-2")}

        def one(i):
            return enter(accountant, path, voucher("2026-01-20", line("1002", debit=f"{i}.01"),
                                                   line("5001", credit=f"{i}.01")))

        with ThreadPoolExecutor(8) as pool:
            created = list(pool.map(one, range(1, COUNT + 1)))
        assert sorted(v["number"] for v in created) == list(range(1, COUNT + 1))
        served = {name: created_by_process(platform.url(name)) - before[name] for name in before}
        assert sum(served.values()) == COUNT
        assert all(count > 0 for count in served.values()), served  # both replicas took work

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda v: act(agency_admin, path, v["id"], "review"), created))
            list(pool.map(lambda v: act(agency_admin, path, v["id"], "post"), created))
        body, rows = trial_rows(agency_admin, path, period="2026-01")
        expected = sum(Decimal(f"{i}.01") for i in range(1, COUNT + 1))
        assert Decimal(rows["1002"]["period_debit"]) == expected
        assert Decimal(rows["5001"]["period_credit"]) == expected
        assert body["balanced"] is True
    finally:
        platform.stop("ledger-2")
