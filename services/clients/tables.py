"""The clients service's tables (its own database; no other service reads them).

Sensitive values are stored twice: AES-GCM ciphertext (servicekit.crypto, bound to
the row by its associated data) and a masked copy made at write time for display,
so lists and exports never decrypt."""
from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, Numeric, SmallInteger, String,
    Table, Text, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from servicekit.columns import created_at, serial_id, uuid_column
from servicekit.idempotency import idempotency_table
from servicekit.outbox import outbox_tables

metadata = MetaData()

clients = Table(
    "clients", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    Column("name", String(200), nullable=False),
    Column("short_name", String(100)),
    # collation "C": plain byte order, so `LIKE 'prefix%'` can use the btree index
    Column("credit_code", String(18, collation="C"), nullable=False),
    Column("taxpayer_type", String(20), nullable=False),
    Column("small_low_profit", Boolean, nullable=False, server_default="false"),
    Column("industry", String(100)),
    Column("accounting_standard", String(30), nullable=False, server_default="small_business_2013"),
    Column("registered_address", String(300)),
    Column("office_address", String(300)),
    Column("location_class", String(20)),
    Column("tax_authority", String(200)),
    Column("establishment_date", Date),
    Column("registered_capital", Numeric(20, 2)),
    Column("business_scope", Text),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("status_reason", String(500)),
    Column("status_changed_at", DateTime(timezone=True)),
    Column("legal_rep_name", String(50)),
    Column("legal_rep_id_number", Text),  # AES-GCM, context "client:<id>:legal_rep_id_number"
    Column("legal_rep_id_number_masked", String(18)),
    Column("version", Integer, nullable=False, server_default="1"),
    uuid_column("created_by"),
    created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # one credit code per agency; also serves prefix search on the code
    Index("uq_clients_agency_credit_code", "agency_id", "credit_code", unique=True),
    # list pages sorted by name / newest first; the status filter in name order
    Index("ix_clients_agency_name", "agency_id", "name", "id"),
    Index("ix_clients_agency_created", "agency_id", "created_at", "id"),
    Index("ix_clients_agency_status", "agency_id", "status", "name", "id"),
)

contacts = Table(
    "contacts", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(50), nullable=False),
    Column("role", String(50)),
    Column("mobile", String(11)),
    Column("email", String(254)),
    Column("wechat", String(50)),
    Column("is_primary", Boolean, nullable=False, server_default="false"),
    created_at(),
    Index("ix_contacts_client", "client_id"),
    # at most one primary contact per client
    Index("uq_contacts_one_primary", "client_id", unique=True, postgresql_where=text("is_primary")),
)

bank_accounts = Table(
    "bank_accounts", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("bank", String(100), nullable=False),
    Column("branch", String(100)),
    Column("account_number", Text, nullable=False),  # AES-GCM, context "bank_account:<id>:account_number"
    Column("account_number_masked", String(32), nullable=False),
    Column("purpose", String(50)),
    Column("currency", String(3), nullable=False, server_default="CNY"),
    created_at(),
    Index("ix_bank_accounts_client", "client_id"),
)

# who serves which client: one user per role (supervisor, accountant, assistant)
assignments = Table(
    "assignments", metadata,
    uuid_column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), primary_key=True),
    uuid_column("agency_id", nullable=False),
    uuid_column("user_id", nullable=False),
    Column("user_name", String(50)),  # as identity knew it when assigned (display only)
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    uuid_column("assigned_by"),
    # "the clients of this accountant": the visibility filter of every staff list
    Index("ix_assignments_agency_user", "agency_id", "user_id", "client_id"),
)

assignment_history = Table(
    "assignment_history", metadata,
    serial_id(),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", nullable=False),
    Column("role", String(20), nullable=False),
    uuid_column("before_user_id"),
    uuid_column("after_user_id"),
    uuid_column("actor_id"),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ip", String(64)),
    Index("ix_assignment_history_client", "client_id", "at"),
)

contracts = Table(
    "contracts", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("number", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("services", ARRAY(String(30)), nullable=False),
    Column("fee", Numeric(20, 2), nullable=False),
    Column("billing_cycle", String(20), nullable=False),
    Column("notes", String(1000)),
    Column("revision", Integer, nullable=False, server_default="1"),  # +1 per amendment
    Column("terminated_on", Date),
    Column("termination_reason", String(500)),
    uuid_column("created_by"),
    created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("uq_contracts_agency_number", "agency_id", "number", unique=True),
    Index("ix_contracts_client", "client_id"),
    Index("ix_contracts_agency_end", "agency_id", "end_date"),
)

# every change of a contract, with the terms as they were before it
contract_history = Table(
    "contract_history", metadata,
    serial_id(),
    uuid_column("agency_id", nullable=False),
    uuid_column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(20), nullable=False),  # created, edited, activated, amended, terminated
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("revision", Integer, nullable=False),  # the revision the previous terms belonged to
    Column("previous_terms", JSONB),
    Column("note", String(500)),
    uuid_column("actor_id"),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_contract_history_contract", "contract_id", "id"),
)

service_records = Table(
    "service_records", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("date", Date, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("description", Text, nullable=False),
    Column("result", String(500)),
    uuid_column("staff_user_id", nullable=False),
    uuid_column("created_by"),
    created_at(),
    Index("ix_service_records_client_date", "client_id", "date"),
)

feedback = Table(
    "feedback", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("content", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="open"),
    uuid_column("created_by"),
    created_at(),
    uuid_column("handled_by"),
    Column("handled_at", DateTime(timezone=True)),
    Column("handling_note", String(1000)),
    uuid_column("closed_by"),
    Column("closed_at", DateTime(timezone=True)),
    Column("closing_note", String(1000)),
    Column("satisfaction", SmallInteger),
    Index("ix_feedback_client_created", "client_id", "created_at"),
)

# every reveal of a sensitive value: who, what, when, from where (never the value)
reveal_log = Table(
    "reveal_log", metadata,
    serial_id(),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", nullable=False),
    Column("field", String(60), nullable=False),
    uuid_column("bank_account_id"),
    uuid_column("actor_id", nullable=False),
    Column("actor_roles", ARRAY(String(20)), nullable=False),
    Column("reason", String(200)),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_reveal_log_agency_time", "agency_id", "at"),
    Index("ix_reveal_log_client", "client_id", "at"),
)

# the books' progress per client and month, projected from the ledger's events
# (voucher_posted, period_closed, period_reopened) for the monthly board
ledger_progress = Table(
    "ledger_progress", metadata,
    uuid_column("client_id", primary_key=True),
    Column("period", String(7), primary_key=True),
    uuid_column("agency_id", nullable=False),
    Column("vouchers_posted", Integer, nullable=False, server_default="0"),
    Column("closed", Boolean, nullable=False, server_default="false"),
    Column("closed_at", DateTime(timezone=True)),
    # the book's event sequence of the close/reopen applied last: handlers may run out of
    # order, and an older event must not undo a newer one
    Column("state_sequence", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox, outbox_sequence, inbox = outbox_tables(metadata)
idempotency_keys = idempotency_table(metadata)
