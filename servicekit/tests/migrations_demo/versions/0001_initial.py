"""initial: widget and the outbox tables

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from servicekit.outbox import create_outbox_tables, drop_outbox_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "widget",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    create_outbox_tables(op)
    # widen the window in which two concurrent upgrades would collide without the lock
    op.execute("SELECT pg_sleep(0.3)")


def downgrade():
    drop_outbox_tables(op)
    op.drop_table("widget")
