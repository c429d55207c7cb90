"""The voucher workflow's rules, pure: draft → reviewed (审核) → posted (记账).

- Only a draft is changed, deleted or reviewed; only a reviewed voucher is unreviewed
  or posted; a posted one is never changed, only reversed (红字冲销).
- The reviewer differs from the creator (`may_review`), except:
  * the book allows self-review (`allow_self_review`, small agencies with one accountant);
  * the voucher was made by the system (no creator);
  * the voucher is generated and posted by the ledger itself in one step
    (结转损益, source "carry_forward": computed from the balances, nobody typed it).
  Vouchers the ledger only drafts for a person (计提, source "accrual"; reversals)
  are reviewed like any other.
- Posting (`check_postable`): every voucher reviewed, the opening balances balance,
  and no voucher in a closed period.
The use cases may enforce a rule inside their SQL for speed (usecases/posting.py
reviews one voucher in one UPDATE); such SQL names the function here that it mirrors.
"""
from servicekit.errors import Conflict, Forbidden

from .periods import period_closed

STATUS_ZH = {"draft": "未审核", "reviewed": "已审核", "posted": "已记账"}

# generated and posted by the ledger in the same transaction: no second person to review
POSTED_BY_THE_LEDGER = frozenset({"carry_forward"})


def label_of(voucher):
    return f"{voucher.word}-{voucher.number}"


# -- status ------------------------------------------------------------------------------------

def posted_error(voucher):
    return Conflict(code="VOUCHER_POSTED",
                    message=f"凭证 {voucher.period} {label_of(voucher)} 已记账，不能修改或删除，只能红字冲销",
                    message_en=f"Voucher {voucher.period} {label_of(voucher)} is posted: it cannot be changed or "
                               f"deleted, only reversed",
                    details={"voucher_id": str(voucher.id), "status": voucher.status})


def status_error(voucher, wanted, action_zh, action_en):
    return Conflict(code="VOUCHER_STATUS",
                    message=f"凭证 {label_of(voucher)} 当前状态为{STATUS_ZH[voucher.status]}，不能{action_zh}",
                    message_en=f"Voucher {label_of(voucher)} is {voucher.status}; it must be {wanted} to {action_en}",
                    details={"voucher_id": str(voucher.id), "status": voucher.status, "expected": wanted})


def check_draft(voucher, action_zh, action_en):
    """A draft may be changed or deleted; a reviewed one is unreviewed first."""
    if voucher.status == "posted":
        raise posted_error(voucher)
    if voucher.status != "draft":
        raise Conflict(code="VOUCHER_STATUS",
                       message=f"凭证 {label_of(voucher)} 已审核，请先取消审核再{action_zh}",
                       message_en=f"Voucher {label_of(voucher)} is reviewed; unreview it before you {action_en} it",
                       details={"voucher_id": str(voucher.id), "status": voucher.status, "expected": "draft"})


def check_unreviewable(voucher):
    if voucher.status == "posted":
        raise posted_error(voucher)
    if voucher.status != "reviewed":
        raise status_error(voucher, "reviewed", "取消审核", "unreview")


def batch_status_error(wrong, wanted):
    """A batch names vouchers not in the status it needs: nothing is done."""
    return Conflict(code="VOUCHER_STATUS",
                    message=f"有{len(wrong)}张凭证不是{STATUS_ZH[wanted]}状态，全部未处理",
                    message_en=f"{len(wrong)} voucher(s) are not {wanted}; nothing was done",
                    details={"expected": wanted, "vouchers": [
                        {"voucher_id": str(v.id), "word": v.word, "number": v.number, "status": v.status}
                        for v in wrong[:1000]]})


# -- review ------------------------------------------------------------------------------------

def may_review(reviewer_id, creator_id, *, allow_self_review, source=None):
    """The reviewer differs from the creator, with the exemptions above."""
    if allow_self_review or creator_id is None or source in POSTED_BY_THE_LEDGER:
        return True
    return str(creator_id) != str(reviewer_id)


def self_review_error(vouchers):
    return Forbidden(code="SELF_REVIEW_FORBIDDEN",
                     message="不能审核自己制单的凭证（本账套未允许自审）",
                     message_en="You cannot review vouchers you entered yourself (this book does not allow self-review)",
                     details={"voucher_ids": [str(v.id) for v in vouchers][:1000]})


def check_review(reviewer_id, vouchers, *, allow_self_review):
    """`vouchers` (with .id, .status, .created_by, .source) may be reviewed by
    `reviewer_id`: each a draft (409 VOUCHER_STATUS) and not the reviewer's own
    (403 SELF_REVIEW_FORBIDDEN listing them all)."""
    for voucher in vouchers:
        if voucher.status != "draft":
            raise status_error(voucher, "draft", "审核", "review")
    own = [v for v in vouchers if not may_review(reviewer_id, v.created_by, allow_self_review=allow_self_review,
                                                  source=v.source)]
    if own:
        raise self_review_error(own)


# -- posting -----------------------------------------------------------------------------------

def opening_unbalanced():
    return Conflict(code="OPENING_UNBALANCED", message="期初余额借贷不平衡，平衡之前不能记账",
                    message_en="The opening balances do not balance; nothing can be posted until they do")


def check_postable(vouchers, *, opening_balanced, last_closed, first_open):
    """`vouchers` (with .status and .period "YYYY-MM") may be posted: each reviewed
    (409 VOUCHER_STATUS), the book's opening balances balance (409
    OPENING_UNBALANCED), none in a closed period (409 PERIOD_CLOSED)."""
    for voucher in vouchers:
        if voucher.status != "reviewed":
            raise status_error(voucher, "reviewed", "记账", "post")
    if not opening_balanced:
        raise opening_unbalanced()
    closed = [v for v in vouchers if last_closed is not None and v.period <= last_closed]
    if closed:
        raise period_closed(closed[0].period, first_open)
