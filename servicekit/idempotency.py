"""Idempotency keys for creating calls: a retry with the same key returns the first
result instead of creating twice. The gateway passes the Idempotency-Key header in
context data; the service stores the reply in the same transaction as the change.

    with db.unit_of_work() as session:
        return idempotency.once(session, auth, "create_client", key, request,
                                lambda: make_the_change(session))

(`once` is `begin`, the change, then `finish`, scoped to the caller and the operation.)
"""
import hashlib
import json

from sqlalchemy import Column, DateTime, MetaData, String, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert

from .errors import Conflict


def _columns():
    return [
        Column("scope", String(200), primary_key=True),  # agency + user + operation
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("response", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


def idempotency_table(metadata: MetaData):
    """`idempotency_keys` in a service's tables.py."""
    return Table("idempotency_keys", metadata, *_columns())


def create_idempotency_table(op):
    """For a service's first Alembic migration."""
    op.create_table("idempotency_keys", *_columns())


def drop_idempotency_table(op):
    op.drop_table("idempotency_keys")


def _fingerprint(request):
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


class Idempotency:
    def __init__(self, table):
        self.table = table
        # built once, parameters bound per call: building them costs more than running them
        # (names other than the columns': an UPDATE reserves those for its SET clause)
        at_key = (table.c.scope == bindparam("at_scope")) & (table.c.key == bindparam("at_key"))
        self._claim = (insert(table).values(scope=bindparam("at_scope"), key=bindparam("at_key"),
                                            request_hash=bindparam("new_hash"))
                       .on_conflict_do_nothing().returning(table.c.key))
        self._first = select(table.c.request_hash, table.c.response).where(at_key).with_for_update()
        self._store = table.update().where(at_key).values(response=bindparam("reply"))

    def begin(self, session, scope, key, request):
        """Return the stored reply of an earlier identical request, or None to go on.
        A concurrent first request holding the same key makes this one wait on the
        row lock, then see its reply. The same key with a different body is a 409."""
        if not key:
            return None
        fingerprint = _fingerprint(request)
        inserted = session.execute(self._claim, {"at_scope": scope, "at_key": key, "new_hash": fingerprint}).first()
        if inserted is not None:
            return None
        row = session.execute(self._first, {"at_scope": scope, "at_key": key}).one()
        if row.request_hash != fingerprint:
            raise Conflict(code="IDEMPOTENCY_KEY_REUSED", message="同一幂等键用于了不同的请求",
                           message_en="This Idempotency-Key was used for a different request")
        return row.response

    def once(self, session, auth, operation, key, request, produce, keep=None):
        """produce() — or, for a retry with the same key, the first reply. The key is
        scoped to the caller (agency and user; "-" for a public call) and the
        operation. `keep(reply)`: whether to store the reply (default: always)."""
        if not key:
            return produce()
        scope = f"{auth.agency_id if auth else '-'}:{auth.user_id if auth else '-'}:{operation}"
        replay = self.begin(session, scope, key, request)
        if replay is not None:
            return replay
        reply = produce()
        if keep is None or keep(reply):
            self.finish(session, scope, key, reply)
        return reply

    def finish(self, session, scope, key, response):
        if key:
            session.execute(self._store, {"at_scope": scope, "at_key": key, "reply": response})
        return response
