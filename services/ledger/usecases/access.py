"""Which books a caller may touch. The rule is servicekit/visibility.py (the same for
every service: admin and supervisor see every client of their agency, accountant and
assistant the clients they are assigned to, a client user their own company); this
module only supplies what the rule asks about, from the ledger's own tables:

- whether the caller is assigned to a client: the client_staff projection (from
  clients' assignment_changed, see events.py), read in the same statement as the
  book; when it says no, the clients service is asked with the caller's own context
  (it is the authority, and the event may not have arrived yet);
- the caller's books as a SELECT, for lists and batch jobs.

A book the caller may not see does not exist for them: 404 BOOK_NOT_FOUND, the same
answer as for a client with no book, so nothing leaks."""
from functools import cache

from sqlalchemy import bindparam, exists, literal, select

from servicekit.errors import NotFound
from servicekit.ids import valid_uuid
from servicekit.visibility import may_see, scope_of

from ..repository.books import state_columns, state_params
from ..tables import books, client_staff


def book_not_found(client_id):
    return NotFound(code="BOOK_NOT_FOUND", message="该客户尚未建账或您无权查看",
                    message_en="This client has no book, or you may not see it",
                    details={"client_id": str(client_id)[:64]})


def client_not_found(client_id):
    return NotFound(code="CLIENT_NOT_FOUND", message="客户不存在或您无权查看",
                    message_en="No such client, or you may not see it", details={"client_id": str(client_id)[:64]})


def assigned_column(call, client_id):
    """A boolean column: the caller's assignment to `client_id` is in the projection
    (read in the same statement as the book, so the check costs no round trip)."""
    auth = call.auth
    if not scope_of(auth).needs_assignments:
        return literal(False)
    return exists().where(client_staff.c.client_id == client_id, client_staff.c.agency_id == auth.agency_id,
                          client_staff.c.user_id == auth.user_id)


def may_see_client(call, client_id, assigned=None):
    """servicekit.visibility.may_see for `client_id` (a valid uuid string) of the
    caller's agency. `assigned`: what assigned_column said, when the caller read it
    already."""
    def is_assigned():
        in_projection = assigned
        if in_projection is None:
            in_projection = call.session.execute(select(assigned_column(call, client_id))).scalar()
        # not (yet) in the projection: the clients service decides
        return in_projection or (call.clients is not None and call.clients.get_client(client_id) is not None)

    return may_see(call.auth, client_id, is_assigned)


def book_for(call, client_id, *, lock=False, share=False, state=False, period=None):
    """The caller's book of `client_id` (a Row of `books`), or 404 BOOK_NOT_FOUND.
    `lock=True` takes a row lock (FOR UPDATE) for changes that must be serial per book
    (the book's settings, opening balances, closing a period); `share=True` a share
    lock (what writing and posting vouchers hold, see books.book_state). `state=True`:
    also read the book's state (repository.books.state_columns, for `period` when
    given) in the same statement."""
    given, client_id = client_id, valid_uuid(client_id)
    if client_id is None:
        raise book_not_found(given)
    auth = call.auth
    needs_assignments = scope_of(auth).needs_assignments
    query = _book_query(needs_assignments, lock, share, state, state and period is not None)
    params = {"agency_id": auth.agency_id, "client_id": client_id}
    if needs_assignments:
        params["user_id"] = auth.user_id
    if state:
        params.update(state_params(period))
    book = call.session.execute(query, params).first()
    if book is None or not may_see_client(call, client_id, assigned=book.assigned):
        raise book_not_found(client_id)
    return book


@cache
def _book_query(needs_assignments, lock, share, state, with_period):
    """book_for's statement, built once per shape (building a select costs more than
    running it); parameters agency_id, client_id, user_id and period."""
    assigned = (exists().where(client_staff.c.client_id == bindparam("client_id"),
                               client_staff.c.agency_id == bindparam("agency_id"),
                               client_staff.c.user_id == bindparam("user_id"))
                if needs_assignments else literal(False))
    query = (select(books, assigned.label("assigned"), *(state_columns(with_period) if state else ()))
             .where(books.c.agency_id == bindparam("agency_id"), books.c.client_id == bindparam("client_id")))
    if lock:
        query = query.with_for_update(of=books)
    elif share:
        query = query.with_for_update(read=True, of=books)
    return query


def visible_books_query(call):
    """A SELECT of the caller's books (for lists and batch jobs)."""
    scope = scope_of(call.auth)
    query = select(books).where(books.c.agency_id == scope.agency_id)
    if scope.all:
        return query
    if scope.needs_assignments:
        mine = select(client_staff.c.client_id).where(client_staff.c.agency_id == scope.agency_id,
                                                      client_staff.c.user_id == scope.user_id)
        return query.where(books.c.client_id.in_(mine))
    if scope.client_id:
        return query.where(books.c.client_id == scope.client_id)
    return query.where(books.c.id.is_(None))
