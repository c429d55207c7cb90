"""Tables of the throwaway `kitdemo` service used by test_migrate."""
import sqlalchemy as sa

from servicekit.outbox import outbox_tables

metadata = sa.MetaData()

widget = sa.Table(
    "widget", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
)

outbox_tables(metadata)
