"""Chart templates (科目表模板): the first-level accounts a new book starts with, read
from domain/charts/<standard>.csv (header code,name,class,direction; direction 借/贷)."""
import csv
from functools import lru_cache
from pathlib import Path

from contracts.ledger.labels import ACCOUNT_CLASSES, STANDARDS

CHARTS = Path(__file__).resolve().parent / "charts"
DIRECTION_OF = {"借": "debit", "贷": "credit"}


class ChartError(ValueError):
    pass


@lru_cache(maxsize=None)
def chart_of(standard):
    """The template's accounts as a tuple of dicts {code, name, class, direction}
    (direction 'debit'|'credit'), in code order. Raises ChartError for an unknown
    standard or a broken file (a deployment fault, not bad input)."""
    if standard not in STANDARDS:
        raise ChartError(f"unknown accounting standard {standard!r}")
    path = CHARTS / f"{standard}.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(sorted((parse_row(row, number) for number, row in enumerate(rows, start=2)),
                        key=lambda account: account["code"]))


def parse_row(row, number=0):
    code, name = (row.get("code") or "").strip(), (row.get("name") or "").strip()
    klass, direction = (row.get("class") or "").strip(), (row.get("direction") or "").strip()
    if not (len(code) == 4 and code.isdigit()):
        raise ChartError(f"line {number}: code {code!r} is not 4 digits")
    if not name:
        raise ChartError(f"line {number}: name missing")
    if klass not in ACCOUNT_CLASSES:
        raise ChartError(f"line {number}: class {klass!r} unknown")
    if direction not in DIRECTION_OF:
        raise ChartError(f"line {number}: direction {direction!r} is not 借 or 贷")
    return {"code": code, "name": name, "class": klass, "direction": DIRECTION_OF[direction]}
