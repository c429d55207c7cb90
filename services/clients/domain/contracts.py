"""The service contract's life: draft -> active -> amended (any number of times)
-> terminated, and the rules on its terms.

    draft      --edit-->      draft        terms changed before signing
    draft      --activate-->  active       signed: in force from start_date
    draft      --terminate--> terminated   withdrawn, never in force
    active     --amend-->     amended      new terms; the previous ones kept as history
    amended    --amend-->     amended
    active     --terminate--> terminated   reason and date required
    amended    --terminate--> terminated

Every other (status, action) pair is refused with 409 CONTRACT_TRANSITION_INVALID.
An amended contract is still in force; only terminated ends it.
"""
from dataclasses import dataclass
from datetime import timedelta

from servicekit.errors import Conflict, ValidationFailed

TRANSITIONS = {
    ("draft", "edit"): "draft",
    ("draft", "activate"): "active",
    ("draft", "terminate"): "terminated",
    ("active", "amend"): "amended",
    ("amended", "amend"): "amended",
    ("active", "terminate"): "terminated",
    ("amended", "terminate"): "terminated",
}
STATUSES = ("draft", "active", "amended", "terminated")
ACTIONS = ("edit", "activate", "amend", "terminate")
IN_FORCE = frozenset({"active", "amended"})
TERM_FIELDS = ("start_date", "end_date", "services", "fee", "billing_cycle", "notes")


def next_status(status, action):
    """The status after `action`, or Conflict(CONTRACT_TRANSITION_INVALID)."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == status)
        raise Conflict(code="CONTRACT_TRANSITION_INVALID",
                       message=f"合同当前状态（{status}）不允许此操作（{action}）",
                       message_en=f"A {status} contract cannot be {action}d" if action != "edit"
                       else f"A {status} contract cannot be edited; amend it instead",
                       details={"status": status, "action": action, "allowed": allowed}) from None


def check_terms(terms):
    """start_date <= end_date, at least one service, no service twice."""
    fields = {}
    start, end = terms.get("start_date"), terms.get("end_date")
    if start and end and end < start:
        fields["end_date"] = ["结束日期不能早于开始日期 / end_date is before start_date"]
    services = terms.get("services")
    if services is not None:
        if not services:
            fields["services"] = ["至少选择一项服务 / choose at least one service"]
        elif len(set(services)) != len(services):
            fields["services"] = ["服务项目重复 / a service is listed twice"]
    if fields:
        raise ValidationFailed(fields=fields)
    return terms


def check_termination(start_date, terminated_on, status):
    if status != "draft" and terminated_on < start_date:
        raise ValidationFailed(fields={"terminated_on": [
            "终止日期不能早于合同开始日期 / terminated_on is before the contract's start_date"]})
    return terminated_on


@dataclass(frozen=True)
class Window:
    """Contracts in force whose end_date falls within [today, today + days]."""
    start: object
    end: object

    @classmethod
    def expiring(cls, today, days):
        return cls(today, today + timedelta(days=days))

    def contains(self, status, end_date):
        return status in IN_FORCE and self.start <= end_date <= self.end
