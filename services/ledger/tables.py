"""The ledger service's tables (its own database; no other service reads them).

Money is NUMERIC(20,2). A book (账套) belongs to one client company of one agency;
every row carries agency_id and book_id. Balances are kept per period, leaf account
and auxiliary item (`aux_key`: '' for none, else the aux item's id) as the sum of
POSTED movements, updated in the posting transaction, so reports never rescan lines.
Parent accounts' figures are the sum of their leaves (codes share the prefix)."""
from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, Numeric,
    SmallInteger, String, Table, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from servicekit.columns import created_at, serial_id, uuid_column
from servicekit.idempotency import idempotency_table
from servicekit.outbox import outbox_tables

metadata = MetaData()

MONEY = Numeric(20, 2)
QUANTITY = Numeric(20, 4)


books = Table(
    "books", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", nullable=False),
    Column("name", String(200), nullable=False),  # the client's name when the book was made
    Column("standard", String(30), nullable=False),  # small_business_2013 | enterprise
    Column("start_period", String(7), nullable=False),  # 建账期间 "YYYY-MM"
    Column("currency", String(3), nullable=False, server_default="CNY"),
    # the voucher words the book uses: ["记"] (default) or ["收", "付", "转"] (or both)
    Column("voucher_words", ARRAY(String(4)), nullable=False, server_default=text("ARRAY['记']::varchar[]")),
    Column("allow_self_review", Boolean, nullable=False, server_default="false"),
    # the opening trial balance balanced (posting is refused until it does)
    Column("opening_balanced", Boolean, nullable=False, server_default="true"),
    Column("version", Integer, nullable=False, server_default="1"),
    uuid_column("created_by"),
    created_at(),
    Index("uq_books_agency_client", "agency_id", "client_id", unique=True),
)

accounts = Table(
    "accounts", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("book_id", ForeignKey("books.id"), nullable=False),
    uuid_column("agency_id", nullable=False),
    Column("code", String(20, collation="C"), nullable=False),  # 4-2-2-2: 1002, 100201, 10020101
    Column("name", String(100), nullable=False),
    Column("class", String(10), nullable=False),  # 资产 负债 共同 所有者权益 成本 损益
    Column("direction", String(6), nullable=False),  # debit | credit (借 | 贷)
    Column("parent_code", String(20, collation="C")),
    Column("level", SmallInteger, nullable=False),
    Column("is_leaf", Boolean, nullable=False, server_default="true"),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    # 辅助核算: customer supplier department project employee
    Column("auxiliary", ARRAY(String(20)), nullable=False, server_default=text("ARRAY[]::varchar[]")),
    Column("is_standard", Boolean, nullable=False, server_default="false"),  # from the standard's template
    created_at(),
    Index("uq_accounts_book_code", "book_id", "code", unique=True),
)

aux_items = Table(
    "aux_items", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("book_id", ForeignKey("books.id"), nullable=False),
    uuid_column("agency_id", nullable=False),
    Column("kind", String(20), nullable=False),  # customer supplier department project employee
    Column("code", String(30), nullable=False),
    Column("name", String(100), nullable=False),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    created_at(),
    Index("uq_aux_items_book_kind_code", "book_id", "kind", "code", unique=True),
)

periods = Table(
    "periods", metadata,
    uuid_column("book_id", ForeignKey("books.id"), primary_key=True),
    Column("period", String(7), primary_key=True),
    uuid_column("agency_id", nullable=False),
    Column("status", String(10), nullable=False, server_default="open"),  # open | closed
    Column("closed_at", DateTime(timezone=True)),
    uuid_column("closed_by"),
    Column("reopened_at", DateTime(timezone=True)),
    uuid_column("reopened_by"),
)

opening_balances = Table(
    "opening_balances", metadata,
    uuid_column("book_id", ForeignKey("books.id"), primary_key=True),
    Column("account_code", String(20, collation="C"), primary_key=True),
    Column("aux_key", String(36), primary_key=True, server_default=""),
    uuid_column("agency_id", nullable=False),
    Column("debit", MONEY, nullable=False, server_default="0"),  # the balance on the debit side
    Column("credit", MONEY, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

vouchers = Table(
    "vouchers", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("book_id", ForeignKey("books.id"), nullable=False),
    uuid_column("agency_id", nullable=False),
    uuid_column("client_id", nullable=False),
    Column("period", String(7), nullable=False),
    Column("date", Date, nullable=False),
    Column("word", String(4), nullable=False),  # 记 收 付 转
    Column("number", Integer, nullable=False),
    Column("attachments", SmallInteger, nullable=False, server_default="0"),
    Column("status", String(10), nullable=False, server_default="draft"),  # draft reviewed posted
    Column("source", String(20), nullable=False, server_default="manual"),
    # manual import template batch carry_forward accrual reversal
    Column("total", MONEY, nullable=False),  # debits = credits = total
    uuid_column("reversal_of"),  # this voucher reverses that one (红字冲销)
    uuid_column("reversed_by"),
    Column("version", Integer, nullable=False, server_default="1"),
    uuid_column("created_by", nullable=False),
    created_at(),
    uuid_column("updated_by"),
    Column("updated_at", DateTime(timezone=True)),
    uuid_column("reviewed_by"),
    Column("reviewed_at", DateTime(timezone=True)),
    uuid_column("posted_by"),
    Column("posted_at", DateTime(timezone=True)),
    # the book's event sequence of this voucher's voucher_posted event (export from a sequence)
    Column("posted_sequence", BigInteger),
    Index("uq_vouchers_book_period_word_number", "book_id", "period", "word", "number", unique=True),
    Index("ix_vouchers_book_period_status", "book_id", "period", "status"),
    Index("ix_vouchers_book_posted_sequence", "book_id", "posted_sequence"),
    CheckConstraint("status in ('draft', 'reviewed', 'posted')", name="ck_vouchers_status"),
)

voucher_lines = Table(
    "voucher_lines", metadata,
    serial_id(),
    uuid_column("voucher_id", ForeignKey("vouchers.id", ondelete="CASCADE"), nullable=False),
    uuid_column("book_id", nullable=False),
    Column("line_no", SmallInteger, nullable=False),
    # copied from the voucher so the detail ledger reads one index range
    Column("period", String(7), nullable=False),
    Column("date", Date, nullable=False),
    Column("posted", Boolean, nullable=False, server_default="false"),
    Column("summary", String(200), nullable=False),
    Column("account_code", String(20, collation="C"), nullable=False),
    Column("debit", MONEY, nullable=False, server_default="0"),
    Column("credit", MONEY, nullable=False, server_default="0"),
    Column("aux_key", String(36), nullable=False, server_default=""),  # '' or aux_items.id
    Column("quantity", QUANTITY),
    Column("unit_price", QUANTITY),
    Index("ix_voucher_lines_voucher", "voucher_id", "line_no"),
    # 明细账: one account's posted lines in date order
    Index("ix_voucher_lines_detail", "book_id", "account_code", "period", "date", "voucher_id", "line_no",
          postgresql_where=text("posted")),
)

# gap-free numbering: the next number per book, period and word, row-locked while used
voucher_counters = Table(
    "voucher_counters", metadata,
    uuid_column("book_id", primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("word", String(4), primary_key=True),
    Column("last_number", Integer, nullable=False, server_default="0"),
)

# posted movements per period, leaf account and auxiliary item
period_balances = Table(
    "period_balances", metadata,
    uuid_column("book_id", primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("account_code", String(20, collation="C"), primary_key=True),
    Column("aux_key", String(36), primary_key=True, server_default=""),
    uuid_column("agency_id", nullable=False),
    Column("debit", MONEY, nullable=False, server_default="0"),
    Column("credit", MONEY, nullable=False, server_default="0"),
    # how many posted lines: the detail ledger pages and counts from here, not the lines
    Column("line_count", Integer, nullable=False, server_default="0"),
)

# posted movements per day, leaf account and auxiliary item: daily totals (日记账) and
# the detail ledger's way to a deep page without reading the lines before it
daily_balances = Table(
    "daily_balances", metadata,
    uuid_column("book_id", primary_key=True),
    Column("account_code", String(20, collation="C"), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("aux_key", String(36), primary_key=True, server_default=""),
    uuid_column("agency_id", nullable=False),
    Column("debit", MONEY, nullable=False, server_default="0"),
    Column("credit", MONEY, nullable=False, server_default="0"),
    Column("line_count", Integer, nullable=False, server_default="0"),
)

voucher_templates = Table(
    "voucher_templates", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("book_id", ForeignKey("books.id"), nullable=False),
    uuid_column("agency_id", nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False, server_default="common"),  # common (常用凭证) | accrual (计提)
    Column("word", String(4), nullable=False, server_default="记"),
    Column("lines", JSONB, nullable=False),
    uuid_column("created_by"),
    created_at(),
    Index("uq_voucher_templates_book_name", "book_id", "name", unique=True),
)

# who serves which client, projected from clients' assignment_changed events
client_staff = Table(
    "client_staff", metadata,
    uuid_column("client_id", primary_key=True),
    Column("role", String(20), primary_key=True),  # supervisor accountant assistant
    uuid_column("agency_id", nullable=False),
    uuid_column("user_id", nullable=False),
    Index("ix_client_staff_user", "agency_id", "user_id"),
)

# background jobs (batch close): one row per job, one per book in it
jobs = Table(
    "jobs", metadata,
    uuid_column("id", primary_key=True),
    uuid_column("agency_id", nullable=False),
    Column("kind", String(30), nullable=False),  # batch_close
    Column("params", JSONB, nullable=False),
    Column("status", String(10), nullable=False, server_default="queued"),  # queued running done
    Column("total", Integer, nullable=False, server_default="0"),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    uuid_column("created_by"),
    created_at(),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    # the worker holding the job and when it last said so: a running job whose
    # heartbeat is stale (its process died) is claimed again and resumed
    Column("claimed_by", String(100)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Index("ix_jobs_status", "status", "created_at"),
)

job_items = Table(
    "job_items", metadata,
    uuid_column("job_id", ForeignKey("jobs.id"), primary_key=True),
    uuid_column("book_id", primary_key=True),
    uuid_column("client_id", nullable=False),
    Column("status", String(10), nullable=False, server_default="pending"),  # pending done failed
    Column("result", JSONB),  # the close result or the error {code, message, message_en, details}
    Column("finished_at", DateTime(timezone=True)),
)

# who closed and reopened which period when (append-only; periods keeps the latest)
period_log = Table(
    "period_log", metadata,
    serial_id(),
    uuid_column("book_id", nullable=False),
    uuid_column("agency_id", nullable=False),
    Column("period", String(7), nullable=False),
    Column("action", String(10), nullable=False),  # closed | reopened
    uuid_column("user_id"),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("details", JSONB),
    Index("ix_period_log_book", "book_id", "period"),
)

idempotency_keys = idempotency_table(metadata)
outbox, outbox_sequence, inbox = outbox_tables(metadata)
