"""exchanges: device present in store, and the exchange that superseded this one

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exchanges') as batch_op:
        batch_op.add_column(sa.Column('device_present', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('superseded_by', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exchanges') as batch_op:
        batch_op.drop_column('superseded_by')
        batch_op.drop_column('device_present')
