"""Alembic environment for the notification service's own migration history."""

from alembic import context

from notification.db.tables import metadata
from servicekit.migrations import run_env

run_env(context, metadata)
