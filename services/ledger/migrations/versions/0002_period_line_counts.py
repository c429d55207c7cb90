"""period_balances.line_count: posted lines per period, account and aux item

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:30:00

The detail ledger counts and pages an account's lines from these counts instead of
scanning every line (1,000,000-line books). Existing rows are counted once here.
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('period_balances', sa.Column('line_count', sa.Integer(), server_default='0', nullable=False))
    op.execute("""
        UPDATE period_balances pb SET line_count = c.n
        FROM (SELECT book_id, period, account_code, aux_key, count(*) AS n FROM voucher_lines
              WHERE posted GROUP BY book_id, period, account_code, aux_key) c
        WHERE pb.book_id = c.book_id AND pb.period = c.period AND pb.account_code = c.account_code
              AND pb.aux_key = c.aux_key""")


def downgrade() -> None:
    op.drop_column('period_balances', 'line_count')
