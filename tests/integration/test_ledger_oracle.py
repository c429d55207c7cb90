"""The trial balance against an independent oracle: random (seeded) vouchers over three
months are entered as a batch, reviewed and posted through the gateway, and the same
vouchers are handed to the `ledger` command-line program (Ledger 3, Debian package
`ledger`). Every account's closing balance, a single month's movement, and a parent
account's roll-up of its sub-accounts must agree to the 分."""
import random
import shutil
import subprocess
from decimal import Decimal

import pytest

from .test_ledger_api import line, open_book, trial_rows, voucher

LEAVES = ["1001", "100201", "100202", "1122", "2202", "2221", "3001", "5001", "5602"]


@pytest.fixture(scope="module", autouse=True)
def ledger_cli():
    if shutil.which("ledger") is None:
        pytest.fail("the oracle is Ledger 3: `apt-get install -y ledger`", pytrace=False)


def random_vouchers(rng, count):
    made = []
    for n in range(count):
        debits = [Decimal(rng.randint(1, 2_000_000)) / 100 for _ in range(rng.randint(1, 2))]
        total = sum(debits)
        first = (total * Decimal(rng.randint(1, 99)) / 100).quantize(Decimal("0.01"))
        credits = [first, total - first] if rng.random() < 0.5 and Decimal("0.01") <= first < total else [total]
        accounts = rng.sample(LEAVES, len(debits) + len(credits))
        lines = [line(a, debit=f"{d:.2f}", summary=f"第{n}笔") for a, d in zip(accounts, debits)]
        lines += [line(a, credit=f"{c:.2f}", summary=f"第{n}笔") for a, c in zip(accounts[len(debits):], credits)]
        made.append(voucher(f"2026-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}", *lines))
    return made


def oracle(tmp_path, vouchers, *args, flat=True):
    """{account: net debit} as Ledger 3 computes it (flat: the accounts posted to;
    else the tree, parents holding their sub-accounts)."""
    journal = tmp_path / "books.ledger"
    entries = []
    for v in sorted(vouchers, key=lambda v: v["date"]):
        entries.append(v["date"].replace("-", "/") + " " + v["lines"][0]["summary"])
        for ln in v["lines"]:
            name = "A:" + ":".join(ln["account"][:k] for k in range(4, len(ln["account"]) + 1, 2))
            amount = ln["debit"] if "debit" in ln else "-" + ln["credit"]
            entries.append(f"    {name}    {amount}")
        entries.append("")
    journal.write_text("\n".join(entries), encoding="utf-8")
    out = subprocess.run(["ledger", "-f", str(journal), "bal", *(["--flat"] if flat else []), "--no-total", "-F",
                          "%(account)\t%(quantity(display_total))\n", *args],
                         capture_output=True, text=True, check=True).stdout
    found = {}
    for row in out.splitlines():
        name, _, amount = row.partition("\t")
        if ":" in name:  # not the root "A"
            found[name.rsplit(":", 1)[1]] = Decimal(amount)
    return found


def test_the_trial_balance_agrees_with_ledger_cli(platform, agency_admin, tmp_path):
    path, _ = open_book(agency_admin, allow_self_review=True)
    for name in ("招商银行", "建设银行"):
        assert agency_admin.post(path + "/accounts", {"parent_code": "1002", "name": name}).status_code == 201
    made = random_vouchers(random.Random(20260101), 40)
    resp = agency_admin.post(path + "/vouchers/batch", {"vouchers": made})
    assert resp.status_code == 201, resp.text
    assert resp.json()["count"] == 40
    for period in ("2026-01", "2026-02", "2026-03"):
        for action in ("review-batch", "post-batch"):
            resp = agency_admin.post(f"{path}/vouchers/{action}", {"period": period})
            assert resp.status_code == 200, resp.text

    balance, rows = trial_rows(agency_admin, path, **{"from": "2026-01", "to": "2026-03"})
    assert balance["balanced"] is True
    closing = oracle(tmp_path, made)
    ours = {code: Decimal(r["closing_debit"]) - Decimal(r["closing_credit"]) for code, r in rows.items()
            if r["is_leaf"]}
    assert {code: net for code, net in ours.items() if net} == {code: net for code, net in closing.items() if net}

    february, _ = trial_rows(agency_admin, path, period="2026-02")
    moved = {r["account"]: Decimal(r["period_debit"]) - Decimal(r["period_credit"]) for r in february["rows"]
             if r["is_leaf"]}
    expected = oracle(tmp_path, made, "--begin", "2026/02/01", "--end", "2026/03/01")
    assert {code: net for code, net in moved.items() if net} == {code: net for code, net in expected.items() if net}

    rolled_up = oracle(tmp_path, made, "--depth", "2", flat=False)["1002"]
    assert Decimal(rows["1002"]["closing_debit"]) - Decimal(rows["1002"]["closing_credit"]) == rolled_up
    assert rows["1002"]["is_leaf"] is False
