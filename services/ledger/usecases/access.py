"""Which books a caller may touch: the one place this is decided. The same rule as
the clients service (services/clients/usecases/visibility.py):

    admin, supervisor        every book of their agency
    accountant, assistant    the books of clients they are assigned to
    client                   only their own company's book (auth.client_id)

Assignments come from clients' assignment_changed events (the client_staff
projection). When the projection says no, the clients service is asked with the
caller's own context (it is the authority, and the event may not have arrived
yet). A book the caller may not see does not exist for them: 404 BOOK_NOT_FOUND,
the same answer as for a client with no book, so nothing leaks."""
from sqlalchemy import exists, literal, select

from servicekit.errors import NotFound

from ..tables import books, client_staff
from .context import valid_uuid

SEE_ALL = frozenset({"admin", "supervisor"})
SEE_ASSIGNED = frozenset({"accountant", "assistant"})


def book_not_found(client_id):
    return NotFound(code="BOOK_NOT_FOUND", message="该客户尚未建账或您无权查看",
                    message_en="This client has no book, or you may not see it",
                    details={"client_id": str(client_id)})


def client_not_found(client_id):
    return NotFound(code="CLIENT_NOT_FOUND", message="客户不存在或您无权查看",
                    message_en="No such client, or you may not see it", details={"client_id": str(client_id)})


def assigned_column(call, client_id):
    """A boolean column: the caller's assignment to `client_id` is in the projection
    (read in the same statement as the book, so the check costs no round trip)."""
    auth = call.auth
    if not set(auth.roles) & SEE_ASSIGNED:
        return literal(False)
    return exists().where(client_staff.c.client_id == client_id, client_staff.c.agency_id == auth.agency_id,
                          client_staff.c.user_id == auth.user_id)


def may_see_client(call, client_id, assigned=None):
    """True when the caller may see `client_id` (a valid uuid string) of their agency.
    `assigned`: what assigned_column said, when the caller read it already."""
    auth = call.auth
    roles = set(auth.roles)
    if roles & SEE_ALL:
        return True
    if roles & SEE_ASSIGNED:
        if assigned is None:
            assigned = call.session.execute(select(assigned_column(call, client_id))).scalar()
        if assigned:
            return True
        # not (yet) in the projection: the clients service decides
        return call.clients is not None and call.clients.get_client(client_id) is not None
    if "client" in roles:
        return valid_uuid(auth.client_id) == client_id
    return False


def book_for(call, client_id, *, lock=False, share=False, columns=()):
    """The caller's book of `client_id` (a Row of `books`), or 404 BOOK_NOT_FOUND.
    `lock=True` takes a row lock (FOR UPDATE) for changes that must be serial per book
    (the book's settings, opening balances, closing a period); `share=True` a share
    lock (what writing and posting vouchers hold, see books.book_state). `columns`:
    more columns to read in the same statement."""
    client_id = valid_uuid(client_id)
    if client_id is None:
        raise book_not_found(client_id)
    query = (select(books, assigned_column(call, client_id).label("assigned"), *columns)
             .where(books.c.agency_id == call.auth.agency_id, books.c.client_id == client_id))
    if lock:
        query = query.with_for_update(of=books)
    elif share:
        query = query.with_for_update(read=True, of=books)
    book = call.session.execute(query).first()
    if book is None or not may_see_client(call, client_id, assigned=book.assigned):
        raise book_not_found(client_id)
    return book


def visible_books_query(call):
    """A SELECT of the caller's books (for lists and batch jobs)."""
    auth = call.auth
    roles = set(auth.roles)
    query = select(books).where(books.c.agency_id == auth.agency_id)
    if roles & SEE_ALL:
        return query
    if roles & SEE_ASSIGNED:
        mine = select(client_staff.c.client_id).where(client_staff.c.agency_id == auth.agency_id,
                                                      client_staff.c.user_id == auth.user_id)
        return query.where(books.c.client_id.in_(mine))
    if "client" in roles and valid_uuid(auth.client_id):
        return query.where(books.c.client_id == valid_uuid(auth.client_id))
    return query.where(books.c.id.is_(None))
