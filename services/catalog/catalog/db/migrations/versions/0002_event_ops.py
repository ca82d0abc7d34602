"""the ops audit of event-flow actions

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 05:00:00.000000
"""
from alembic import op

from eventing.migrations import create_ops_audit_v1, drop_ops_audit_v1


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_ops_audit_v1(op)


def downgrade() -> None:
    drop_ops_audit_v1(op)
