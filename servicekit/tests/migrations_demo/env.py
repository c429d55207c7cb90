from servicekit.alembic_env import run
from servicekit.tests.migrations_demo.demo_tables import metadata

run(metadata, "kitdemo")
