"""exchange cancellations seen before the coupon was minted

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import servicekit.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_cancellations',
    sa.Column('exchange_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=50), nullable=False),
    sa.Column('at', servicekit.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('exchange_id')
    )


def downgrade() -> None:
    op.drop_table('exchange_cancellations')
