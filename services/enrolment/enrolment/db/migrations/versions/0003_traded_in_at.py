"""when a plan's phone was traded in (a plain exchange ended it)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import servicekit.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plans') as batch_op:
        batch_op.add_column(sa.Column('traded_in_at', servicekit.types.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plans') as batch_op:
        batch_op.drop_column('traded_in_at')
