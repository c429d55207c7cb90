"""ledger_progress: the books' progress per client and month, from the ledger's events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 05:40:00

Feeds the ledger part of the monthly board (it said not_connected before the ledger existed).
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ledger_progress',
        sa.Column('client_id', sa.UUID(as_uuid=False), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('agency_id', sa.UUID(as_uuid=False), nullable=False),
        sa.Column('vouchers_posted', sa.Integer(), server_default='0', nullable=False),
        sa.Column('closed', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('state_sequence', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('client_id', 'period'),
    )


def downgrade() -> None:
    op.drop_table('ledger_progress')
