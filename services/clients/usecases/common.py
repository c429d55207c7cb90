"""Pieces several use cases share: paging, LIKE escaping, the client's version, the
encryption contexts of the sensitive columns."""
from sqlalchemy import func, select, update

from servicekit.errors import Conflict

from ..tables import assignments, clients


def id_number_context(client_id):
    """AES-GCM associated data: the ciphertext decrypts only in its own row and column."""
    return f"client:{client_id}:legal_rep_id_number"


def account_number_context(account_id):
    return f"bank_account:{account_id}:account_number"


def escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def paged(call, query, count_query, page, size, view):
    total = call.session.execute(count_query).scalar()
    rows = call.session.execute(query.offset((page - 1) * size).limit(size)).all()
    return {"items": [view(r) for r in rows], "total": total, "page": page, "page_size": size}


def check_version(row, expected):
    if expected is not None and expected != row.version:
        raise Conflict(code="VERSION_CONFLICT", message="客户资料已被他人修改，请刷新后重试",
                       message_en="The client was changed by someone else; reload and try again",
                       details={"current_version": row.version, "your_version": expected})


def bump_version(call, client_id, **values):
    """Every change of a client (its fields, status, contacts, bank accounts) moves
    its version on by one; returns the new version."""
    return call.session.execute(
        update(clients).where(clients.c.id == client_id)
        .values(version=clients.c.version + 1, updated_at=call.now, **values)
        .returning(clients.c.version)).scalar_one()


def assignments_of(call, client_ids):
    """{client_id: [assignment rows]} for the given clients."""
    found = {client_id: [] for client_id in client_ids}
    if client_ids:
        for row in call.session.execute(select(assignments).where(assignments.c.client_id.in_(list(client_ids)))):
            found[row.client_id].append(row)
    return found


def count_of(query_where, table):
    return select(func.count()).select_from(table).where(*query_where)
