"""The body of every service's migrations/env.py.

    # services/ledger/migrations/env.py
    from servicekit.alembic_env import run
    from services.ledger.tables import metadata

    run(metadata, "ledger")

Run through servicekit.migrate, env.py gets the connection that already holds the
migration lock. Run by the plain `alembic` command instead, it opens its own
connection from sqlalchemy.url and takes the same lock, so both paths are safe.
"""
from .migrate import migration_engine, migration_lock, version_table


def run(metadata, service, **configure_kwargs):
    from alembic import context

    config = context.config
    options = {
        "target_metadata": metadata,
        "version_table": version_table(service),
        "compare_type": True,
        **configure_kwargs,
    }

    if context.is_offline_mode():  # `--sql`: write the SQL instead of running it
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                          dialect_opts={"paramstyle": "named"}, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection):
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return
    engine = migration_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection, migration_lock(connection, service):
            migrate(connection)
    finally:
        engine.dispose()
