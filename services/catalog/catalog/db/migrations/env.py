"""Alembic environment for the catalog's own migration history."""

from alembic import context

from catalog.db.tables import metadata
from servicekit.migrations import run_env

run_env(context, metadata)
