"""Alembic environment for the enrolment service's own migration history."""

from alembic import context

from enrolment.db.tables import metadata
from servicekit.migrations import run_env

run_env(context, metadata)
