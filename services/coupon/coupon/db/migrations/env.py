"""Alembic environment for the coupon service's own migration history."""

from alembic import context

from coupon.db.tables import metadata
from servicekit.migrations import run_env

run_env(context, metadata)
