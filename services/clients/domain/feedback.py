"""Feedback and complaints: open -> handled -> closed.

Handling takes a note (what was done); closing takes the client's satisfaction,
1 (very unhappy) to 5 (very happy). Nothing goes back: a reopened matter is new
feedback.
"""
from servicekit.errors import Conflict, ValidationFailed

TRANSITIONS = {("open", "handle"): "handled", ("handled", "close"): "closed"}


def next_status(status, action):
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise Conflict(code="FEEDBACK_TRANSITION_INVALID",
                       message=f"反馈当前状态（{status}）不允许此操作（{action}）",
                       message_en=f"Feedback that is {status} cannot be {action}d",
                       details={"status": status, "action": action}) from None


def check_satisfaction(score):
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailed(fields={"satisfaction": ["满意度为1到5的整数 / satisfaction is a whole number 1-5"]})
    return score
