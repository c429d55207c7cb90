"""Alembic environment for the identity service (see servicekit.alembic_env)."""
from servicekit.alembic_env import run
from services.identity.tables import metadata

run(metadata, "identity")
