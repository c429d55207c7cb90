"""Alembic environment for the clients service (see servicekit.alembic_env)."""
from servicekit.alembic_env import run
from services.clients.tables import metadata

run(metadata, "clients")
