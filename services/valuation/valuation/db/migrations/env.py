"""Alembic environment for the valuation's own migration history."""

from alembic import context

from servicekit.migrations import run_env
from valuation.db.tables import metadata

run_env(context, metadata)
