"""A client company's service status: active (服务中), paused (暂停服务), terminated (已终止).

    active     -> paused, terminated
    paused     -> active, terminated
    terminated -> active          (the client comes back)

Pausing and terminating need a reason. A terminated client takes no new contracts.
"""
from servicekit.errors import Conflict, ValidationFailed

TRANSITIONS = {
    "active": {"paused", "terminated"},
    "paused": {"active", "terminated"},
    "terminated": {"active"},
}
NEEDS_REASON = {"paused", "terminated"}


def check_status_change(current, target, reason):
    if target == current:
        raise Conflict(code="STATUS_UNCHANGED", message=f"客户已是该状态（{current}）",
                       message_en=f"The client is already {current}", details={"status": current})
    if target not in TRANSITIONS.get(current, set()):
        raise Conflict(code="STATUS_TRANSITION_INVALID", message=f"客户状态不能从 {current} 改为 {target}",
                       message_en=f"A client cannot go from {current} to {target}",
                       details={"from": current, "to": target})
    if target in NEEDS_REASON and not (reason or "").strip():
        raise ValidationFailed(fields={"reason": ["暂停或终止服务须说明原因 / give a reason to pause or terminate"]})
    return target
