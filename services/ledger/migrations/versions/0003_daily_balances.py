"""daily_balances: posted movements and line counts per day, account and aux item

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 05:00:00

The detail ledger skips whole days before a deep page (and daily totals are there for
日记账). Existing posted lines are summed once here.
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'daily_balances',
        sa.Column('book_id', sa.UUID(as_uuid=False), nullable=False),
        sa.Column('account_code', sa.String(length=20, collation='C'), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('aux_key', sa.String(length=36), server_default='', nullable=False),
        sa.Column('agency_id', sa.UUID(as_uuid=False), nullable=False),
        sa.Column('debit', sa.Numeric(precision=20, scale=2), server_default='0', nullable=False),
        sa.Column('credit', sa.Numeric(precision=20, scale=2), server_default='0', nullable=False),
        sa.Column('line_count', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('book_id', 'account_code', 'date', 'aux_key'),
    )
    op.execute("""
        INSERT INTO daily_balances (book_id, account_code, date, aux_key, agency_id, debit, credit, line_count)
        SELECT l.book_id, l.account_code, l.date, l.aux_key, v.agency_id, sum(l.debit), sum(l.credit), count(*)
        FROM voucher_lines l JOIN vouchers v ON v.id = l.voucher_id
        WHERE l.posted GROUP BY l.book_id, l.account_code, l.date, l.aux_key, v.agency_id""")


def downgrade() -> None:
    op.drop_table('daily_balances')
