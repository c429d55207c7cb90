"""Columns every service's tables.py writes the same way.

    from servicekit.columns import created_at, uuid_column

    clients = Table("clients", metadata,
                    uuid_column("id", primary_key=True),
                    uuid_column("agency_id", nullable=False),
                    created_at(), ...)
"""
from sqlalchemy import BigInteger, Column, DateTime, func
from sqlalchemy.dialects.postgresql import UUID


def uuid_column(name, *args, **kwargs):
    """A PostgreSQL uuid column read and written as text (the ids travel as text)."""
    return Column(name, UUID(as_uuid=False), *args, **kwargs)


def created_at(name="created_at"):
    """When the row was written: timestamptz, NOT NULL, now() by default."""
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


def serial_id(name="id"):
    """The key of an append-only log table: bigserial, so rows keep their insert order."""
    return Column(name, BigInteger, primary_key=True, autoincrement=True)
