"""One page of a list, and LIKE patterns."""
from sqlalchemy import func, select


def page(session, rows_query, count_query, number, size, view):
    total = session.execute(count_query).scalar()
    rows = session.execute(rows_query.offset((number - 1) * size).limit(size)).all()
    return {"items": [view(r) for r in rows], "total": total, "page": number, "page_size": size}


def page_of(session, table, where, order_by, number, size, view):
    """A page of `table`'s rows matching `where`, in `order_by` order."""
    return page(session, select(table).where(*where).order_by(*order_by), count(table, where), number, size, view)


def count(table, where):
    return select(func.count()).select_from(table).where(*where)


def escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
