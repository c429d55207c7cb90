"""红字冲销: a posted voucher is never changed; a mistake is undone by a new voucher
with the same lines and negated amounts (red figures), linked both ways. The reversal
is an ordinary draft (reviewed and posted like any voucher); a voucher is reversed at
most once, and a reversal is not itself reversed (post a correct voucher instead)."""
from servicekit.errors import Conflict

SUMMARY_MAX = 200


def check_reversible(voucher):
    """`voucher`: a mapping with status, reversal_of, reversed_by, word, number."""
    label = f"{voucher['word']}-{voucher['number']}"
    if voucher["status"] != "posted":
        raise Conflict(code="VOUCHER_STATUS", message=f"凭证 {label} 尚未记账，直接修改或删除即可，无需红字冲销",
                       message_en=f"Voucher {label} is not posted; change or delete it instead of reversing it",
                       details={"status": voucher["status"]})
    if voucher["reversal_of"] is not None:
        raise Conflict(code="VOUCHER_IS_REVERSAL", message=f"凭证 {label} 本身是红字冲销凭证，不能再冲销",
                       message_en=f"Voucher {label} is itself a reversal and cannot be reversed",
                       details={"reversal_of": str(voucher["reversal_of"])})
    if voucher["reversed_by"] is not None:
        raise Conflict(code="VOUCHER_ALREADY_REVERSED", message=f"凭证 {label} 已经冲销过",
                       message_en=f"Voucher {label} has already been reversed",
                       details={"reversed_by": str(voucher["reversed_by"])})


def reversal_summary(word, number, period, summary=None):
    text = summary if summary else f"冲销{period}期{word}字第{number}号凭证"
    return text[:SUMMARY_MAX]


def reversal_lines(lines, summary):
    """The original's lines with negated amounts, in the same order, each with `summary`."""
    return [{"summary": summary, "account": line["account_code"],
             "debit": -line["debit"] if line["debit"] else None,
             "credit": -line["credit"] if line["credit"] else None,
             "aux_item": line["aux_key"] or None,
             "quantity": -line["quantity"] if line.get("quantity") is not None else None,
             "unit_price": line.get("unit_price")} for line in lines]
