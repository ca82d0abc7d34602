"""when the exchange holding a plan was accepted

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import servicekit.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plans') as batch_op:
        batch_op.add_column(sa.Column('exchange_accepted_at', servicekit.types.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plans') as batch_op:
        batch_op.drop_column('exchange_accepted_at')
