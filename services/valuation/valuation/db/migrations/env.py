"""Alembic environment for the valuation's own migration history."""

from alembic import context

from valuation.db.tables import metadata
from servicekit.migrations import run_env

run_env(context, metadata)
