"""Opening balances (期初余额): per leaf account and auxiliary item, at the start of
the book's first period. PUT replaces them all. The book remembers whether they
balance (`opening_balanced`); posting is refused until they do. They are editable
only while the start period has no posted voucher (after that they are history)."""
from decimal import Decimal

from sqlalchemy import delete, exists, insert, select, update

from servicekit.errors import BadRequest, Conflict, ValidationFailed
from servicekit.money import money_str

from ..domain.vouchers import check_aux, error
from ..repository.accounts import account_infos, aux_lookup
from ..tables import books, opening_balances, vouchers
from .access import book_for
from .views import aux_by_id

ZERO = Decimal("0.00")


def _check(items):
    debit = sum((row["debit"] for row in items), ZERO)
    credit = sum((row["credit"] for row in items), ZERO)
    return {"debit": money_str(debit), "credit": money_str(credit), "balanced": debit == credit}


def get_opening_balances(call, client_id):
    book = book_for(call, client_id)
    rows = call.session.execute(select(opening_balances).where(opening_balances.c.book_id == book.id)
                                .order_by(opening_balances.c.account_code, opening_balances.c.aux_key)).all()
    aux = aux_by_id(call.session, book.id, {row.aux_key for row in rows if row.aux_key})
    items = [{"account": row.account_code,
              "aux_item": aux[row.aux_key].view() if row.aux_key in aux else None,
              "debit": money_str(row.debit), "credit": money_str(row.credit)} for row in rows]
    return {"items": items, "check": _check([{"debit": row.debit, "credit": row.credit} for row in rows])}


def set_opening_balances(call, client_id, payload):
    book = book_for(call, client_id, lock=True)  # vouchers share-lock the book: none is posted meanwhile
    posted = call.session.execute(select(exists().where(
        vouchers.c.book_id == book.id, vouchers.c.period == book.start_period, vouchers.c.status == "posted"))).scalar()
    if posted:
        raise Conflict(code="OPENING_LOCKED", message=f"建账期间 {book.start_period} 已有记账凭证，期初余额不能再修改",
                       message_en=f"The start period {book.start_period} has posted vouchers; the opening balances "
                                  f"can no longer change", details={"start_period": book.start_period})
    items = payload["items"]
    accounts = account_infos(call.session, book.id, [item["account"] for item in items])
    aux = aux_lookup(call.session, book.id, [item.get("aux_item") for item in items])
    rows, seen = [], {}
    for number, item in enumerate(items, start=1):
        rows_item = _row(number, item, accounts, aux)
        if rows_item is None:
            continue
        key = (rows_item["account_code"], rows_item["aux_key"])
        if key in seen:
            raise ValidationFailed(fields={"items": {str(number - 1): [
                f"与第{seen[key]}项重复（同一科目和辅助项） / repeats item {seen[key]} (same account and aux item)"]}})
        seen[key] = number
        rows.append({**rows_item, "book_id": book.id, "agency_id": book.agency_id, "updated_at": call.now})
    call.session.execute(delete(opening_balances).where(opening_balances.c.book_id == book.id))
    if rows:
        call.session.execute(insert(opening_balances), rows)
    check = _check(rows)
    call.session.execute(update(books).where(books.c.id == book.id)
                         .values(opening_balanced=check["balanced"], version=books.c.version + 1))
    return get_opening_balances(call, client_id)


def _row(number, item, accounts, aux):
    code = item["account"]
    account = accounts.get(code)
    if account is None:
        raise error("ACCOUNT_UNKNOWN", f"第{number}项：科目 {code} 不存在", f"Item {number}: no account {code}",
                    line=number, account=code)
    if not account.is_leaf:
        raise error("ACCOUNT_NOT_LEAF", f"第{number}项：科目 {code} 有下级科目，期初余额请录入末级科目",
                    f"Item {number}: account {code} has sub-accounts; enter opening balances on leaf accounts",
                    line=number, account=code)
    if not account.enabled:
        raise error("ACCOUNT_DISABLED", f"第{number}项：科目 {code} 已停用", f"Item {number}: account {code} is disabled",
                    line=number, account=code)
    debit, credit = item.get("debit") or ZERO, item.get("credit") or ZERO
    if debit and credit:
        raise BadRequest(code="AMOUNT_INVALID", message=f"第{number}项：期初余额只能在借方或贷方之一",
                         message_en=f"Item {number}: an opening balance is on the debit or the credit side, not both",
                         details={"line": number, "reason": "one_side"})
    if not debit and not credit:
        return None  # nothing to keep
    aux_key = check_aux(number, account, item.get("aux_item"), aux)
    return {"account_code": code, "aux_key": aux_key, "debit": debit, "credit": credit}
