"""The book's chart of accounts (科目) and auxiliary items (辅助核算项目)."""
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from contracts.ledger.labels import AUX_KINDS
from servicekit.errors import BadRequest, Conflict, NotFound, ValidationFailed
from servicekit.ids import new_id, valid_uuid

from ..domain.accounts import account_exists, child_code, has_balance_error, has_postings_error, level_of
from ..tables import accounts, aux_items, opening_balances, period_balances, voucher_lines
from .access import book_for
from .views import account_view, aux_item_view


def refuse_nulls(payload, names):
    """A change may leave a field out, not empty it: these columns are NOT NULL (400
    naming each field sent as null; the schema refuses it too, this is the use case's
    own guard)."""
    nulls = {name: ["不能为空 / must not be null"] for name in names if name in payload and payload[name] is None}
    if nulls:
        raise ValidationFailed(fields=nulls)


def account_not_found(code):
    return NotFound(code="ACCOUNT_NOT_FOUND", message=f"科目 {code} 不存在", message_en=f"No account {code}",
                    details={"code": code})


def list_accounts(call, client_id, query):
    book = book_for(call, client_id)
    stmt = select(accounts).where(accounts.c.book_id == book.id).order_by(accounts.c.code)
    if query.get("leaf_only"):
        stmt = stmt.where(accounts.c.is_leaf)
    if "enabled" in query:
        stmt = stmt.where(accounts.c.enabled == query["enabled"])
    if query.get("q"):
        text = query["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(accounts.c.code.startswith(text, autoescape=False),
                              accounts.c.name.contains(text, autoescape=False)))
    return {"items": [account_view(row) for row in call.session.execute(stmt)]}


def _account(call, book, code, lock=False):
    stmt = select(accounts).where(accounts.c.book_id == book.id, accounts.c.code == code)
    if lock:
        stmt = stmt.with_for_update()
    row = call.session.execute(stmt).first()
    if row is None:
        raise account_not_found(code)
    return row


def has_entries(call, book, code):
    """Any voucher line (draft or posted) or opening balance on `code`."""
    lines = exists().where(voucher_lines.c.book_id == book.id, voucher_lines.c.account_code == code)
    opening = exists().where(opening_balances.c.book_id == book.id, opening_balances.c.account_code == code)
    return call.session.execute(select(or_(lines, opening))).scalar()


def add_account(call, client_id, payload):
    book = book_for(call, client_id)
    parent = _account(call, book, payload["parent_code"], lock=True)  # serialises sub-accounts of one parent
    if not parent.enabled:
        raise BadRequest(code="ACCOUNT_DISABLED", message=f"上级科目 {parent.code} 已停用",
                         message_en=f"The parent account {parent.code} is disabled", details={"code": parent.code})
    if parent.is_leaf and has_entries(call, book, parent.code):
        raise has_postings_error(parent.code)
    siblings = call.session.scalars(select(accounts.c.code).where(accounts.c.book_id == book.id,
                                                                  accounts.c.parent_code == parent.code)).all()
    code = child_code(parent.code, siblings, payload.get("code"))
    name_taken = call.session.execute(select(accounts.c.code).where(
        accounts.c.book_id == book.id, accounts.c.parent_code == parent.code,
        accounts.c.name == payload["name"])).first()
    if name_taken:
        raise Conflict(code="ACCOUNT_NAME_EXISTS", message=f"{parent.code} 下已有名为“{payload['name']}”的科目",
                       message_en=f"{parent.code} already has a sub-account named {payload['name']!r}",
                       details={"code": name_taken.code})
    auxiliary = list(payload["auxiliary"]) if "auxiliary" in payload else list(parent.auxiliary)
    inserted = call.session.execute(pg_insert(accounts).values(
        id=new_id(), book_id=book.id, agency_id=book.agency_id, code=code, name=payload["name"],
        **{"class": parent._mapping["class"]}, direction=parent.direction, parent_code=parent.code,
        level=level_of(code), is_leaf=True, enabled=True, auxiliary=auxiliary, is_standard=False)
        .on_conflict_do_nothing(index_elements=["book_id", "code"]).returning(accounts)).first()
    if inserted is None:
        raise account_exists(code)
    if parent.is_leaf:
        call.session.execute(update(accounts).where(accounts.c.id == parent.id).values(is_leaf=False, auxiliary=[]))
    return account_view(inserted)


def balance_of(call, book, code):
    """Opening + posted net (debit − credit) of `code` and everything under it."""
    opening = call.session.execute(
        select(func.coalesce(func.sum(opening_balances.c.debit - opening_balances.c.credit), 0))
        .where(opening_balances.c.book_id == book.id, opening_balances.c.account_code.startswith(code))).scalar()
    posted = call.session.execute(
        select(func.coalesce(func.sum(period_balances.c.debit - period_balances.c.credit), 0))
        .where(period_balances.c.book_id == book.id, period_balances.c.account_code.startswith(code))).scalar()
    return Decimal(opening) + Decimal(posted)


def update_account(call, client_id, code, payload):
    refuse_nulls(payload, ("name", "enabled", "auxiliary"))
    book = book_for(call, client_id)
    account = _account(call, book, code, lock=True)
    values = {}
    if "name" in payload and payload["name"] != account.name:
        values["name"] = payload["name"]
    if "auxiliary" in payload and list(payload["auxiliary"]) != list(account.auxiliary):
        if not account.is_leaf:
            raise BadRequest(code="ACCOUNT_NOT_LEAF", message=f"科目 {code} 有下级科目，请在末级科目上设置辅助核算",
                             message_en=f"Account {code} has sub-accounts; set auxiliary dimensions on leaf accounts",
                             details={"code": code})
        if has_entries(call, book, code):
            raise Conflict(code="ACCOUNT_HAS_POSTINGS",
                           message=f"科目 {code} 已有凭证分录或期初余额，不能更改辅助核算",
                           message_en=f"Account {code} has voucher lines or an opening balance; its auxiliary "
                                      f"dimension cannot change", details={"code": code})
        values["auxiliary"] = list(payload["auxiliary"])
    subtree = accounts.c.code.startswith(code)
    if "enabled" in payload and payload["enabled"] != account.enabled:
        if payload["enabled"]:
            parent_disabled = account.parent_code and not _account(call, book, account.parent_code).enabled
            if parent_disabled:
                raise Conflict(code="ACCOUNT_DISABLED", message=f"上级科目 {account.parent_code} 已停用，请先启用上级科目",
                               message_en=f"The parent account {account.parent_code} is disabled; enable it first",
                               details={"code": account.parent_code})
        else:
            balance = balance_of(call, book, code)
            if balance != 0:
                raise has_balance_error(code, balance)
            unposted = call.session.execute(select(exists().where(
                voucher_lines.c.book_id == book.id, voucher_lines.c.account_code.startswith(code),
                ~voucher_lines.c.posted))).scalar()
            if unposted:
                raise Conflict(code="ACCOUNT_IN_USE", message=f"科目 {code} 有未记账的凭证分录，不能停用",
                               message_en=f"Account {code} has unposted voucher lines and cannot be disabled",
                               details={"code": code})
        # the whole subtree follows: no line can reach a disabled account through a child
        call.session.execute(update(accounts).where(accounts.c.book_id == book.id, subtree)
                             .values(enabled=payload["enabled"]))
    if values:
        call.session.execute(update(accounts).where(accounts.c.id == account.id).values(**values))
    return account_view(_account(call, book, code))


# -- auxiliary items ------------------------------------------------------------------------

def list_aux_items(call, client_id, query):
    book = book_for(call, client_id)
    stmt = select(aux_items).where(aux_items.c.book_id == book.id).order_by(aux_items.c.kind, aux_items.c.code)
    if query.get("kind"):
        stmt = stmt.where(aux_items.c.kind == query["kind"])
    if "enabled" in query:
        stmt = stmt.where(aux_items.c.enabled == query["enabled"])
    return {"items": [aux_item_view(row) for row in call.session.execute(stmt)]}


def aux_exists(kind, code):
    return Conflict(code="AUX_ITEM_EXISTS", message=f"{AUX_KINDS[kind]}编码 {code} 已存在",
                    message_en=f"A {kind} item with code {code} already exists", details={"kind": kind, "code": code})


def add_aux_item(call, client_id, payload):
    book = book_for(call, client_id)
    row = call.session.execute(pg_insert(aux_items).values(
        id=new_id(), book_id=book.id, agency_id=book.agency_id, kind=payload["kind"], code=payload["code"].strip(),
        name=payload["name"].strip(), enabled=True)
        .on_conflict_do_nothing(index_elements=["book_id", "kind", "code"]).returning(aux_items)).first()
    if row is None:
        raise aux_exists(payload["kind"], payload["code"].strip())
    return aux_item_view(row)


def update_aux_item(call, client_id, item_id, payload):
    refuse_nulls(payload, ("code", "name", "enabled"))
    book = book_for(call, client_id)
    item_uuid = valid_uuid(item_id)
    row = call.session.execute(select(aux_items).where(aux_items.c.book_id == book.id, aux_items.c.id == item_uuid)
                               .with_for_update()).first() if item_uuid else None
    if row is None:
        raise NotFound(code="AUX_ITEM_NOT_FOUND", message="辅助核算项目不存在", message_en="No such auxiliary item",
                       details={"id": str(item_id)})
    values = {key: payload[key].strip() if isinstance(payload[key], str) else payload[key]
              for key in ("code", "name", "enabled") if key in payload}
    if values.get("code") and values["code"] != row.code:
        taken = call.session.execute(select(aux_items.c.id).where(and_(
            aux_items.c.book_id == book.id, aux_items.c.kind == row.kind, aux_items.c.code == values["code"]))).first()
        if taken:
            raise aux_exists(row.kind, values["code"])
    if values:
        row = call.session.execute(update(aux_items).where(aux_items.c.id == row.id).values(**values)
                                   .returning(aux_items)).one()
    return aux_item_view(row)
