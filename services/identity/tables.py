"""Identity's tables (its own database; no other service reads them)."""
from sqlalchemy import (
    BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text, func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from servicekit.columns import serial_id
from servicekit.idempotency import idempotency_table
from servicekit.outbox import outbox_tables

metadata = MetaData()


def _now():
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


agencies = Table(
    "agencies", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("mfa_required", Boolean, nullable=False, server_default="false"),
    _now(),
)

users = Table(
    "users", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("agency_id", UUID(as_uuid=False), ForeignKey("agencies.id"), nullable=False, index=True),
    Column("name", String(50), nullable=False),
    # logins are platform-wide, so an email or phone belongs to one user only
    Column("email", String(254), unique=True),
    Column("phone", String(11), unique=True),
    Column("password_hash", Text, nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    Column("roles", ARRAY(String(20)), nullable=False),
    Column("client_id", UUID(as_uuid=False)),
    Column("disabled", Boolean, nullable=False, server_default="false"),
    Column("mfa_secret", Text),  # AES-GCM encrypted (servicekit.crypto)
    Column("mfa_enabled", Boolean, nullable=False, server_default="false"),
    Column("mfa_last_step", BigInteger),
    Column("recovery_code_hashes", ARRAY(Text)),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

registrations = Table(
    "registrations", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("agency_name", String(100), nullable=False),
    Column("name", String(50), nullable=False),
    Column("email", String(254)),
    Column("phone", String(11)),
    Column("password_hash", Text, nullable=False),
    Column("code_hash", String(128), nullable=False),
    Column("code_salt", String(64), nullable=False),
    Column("tries", Integer, nullable=False, server_default="0"),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    _now(),
)

password_resets = Table(
    "password_resets", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("user_id", UUID(as_uuid=False), ForeignKey("users.id"), nullable=False, index=True),
    Column("code_hash", String(128), nullable=False),
    Column("code_salt", String(64), nullable=False),
    Column("tries", Integer, nullable=False, server_default="0"),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    _now(),
)

# keyed by the normalised login text, not the user: unknown logins lock the same way
login_failures = Table(
    "login_failures", metadata,
    serial_id(),
    Column("login_key", String(254), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
    Index("ix_login_failures_key_time", "login_key", "failed_at"),
)

login_locks = Table(
    "login_locks", metadata,
    Column("login_key", String(254), primary_key=True),
    Column("locked_until", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("agency_id", UUID(as_uuid=False), nullable=False),
    Column("user_id", UUID(as_uuid=False), ForeignKey("users.id"), nullable=False, index=True),
    _now(),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(40)),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
    Index("ix_sessions_revoked_at", "revoked_at"),
)

# every refresh token ever issued for a session (its "family"); only hashes
refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("session_id", UUID(as_uuid=False), ForeignKey("sessions.id"), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("rotated_at", DateTime(timezone=True)),
)

login_history = Table(
    "login_history", metadata,
    serial_id(),
    Column("agency_id", UUID(as_uuid=False)),
    Column("user_id", UUID(as_uuid=False), index=True),
    Column("login", String(254), nullable=False),  # masked
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
    Column("success", Boolean, nullable=False),
    Column("reason", String(40)),
    Column("new_device", Boolean, nullable=False, server_default="false"),
)

# append-only: a trigger in the migration refuses UPDATE and DELETE
audit_log = Table(
    "audit_log", metadata,
    Column("agency_id", UUID(as_uuid=False), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor_id", String(64)),
    Column("actor_name", String(100)),
    Column("action", String(60), nullable=False),
    Column("target_type", String(40)),
    Column("target_id", String(100)),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
    Column("details", JSONB, nullable=False),
    Column("source_event_id", String(64), unique=True),  # set when the entry came from another service's event
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_agency_time", "agency_id", "occurred_at"),
    Index("ix_audit_log_agency_action", "agency_id", "action"),
)

# the head of each agency's chain; locked FOR UPDATE to append in order
audit_heads = Table(
    "audit_heads", metadata,
    Column("agency_id", UUID(as_uuid=False), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

outbox, outbox_sequence, inbox = outbox_tables(metadata)
idempotency_keys = idempotency_table(metadata)
