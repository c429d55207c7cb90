"""Alembic environment for the ledger service (see servicekit.alembic_env)."""
from servicekit.alembic_env import run
from services.ledger.tables import metadata

run(metadata, "ledger")
