"""Each service's migration history builds exactly the schema its table definitions describe.

A column, index or constraint added to `db/tables.py` (or to the tables eventing and servicekit add)
without a migration — or a migration that differs from the tables — fails here, on SQLite and PostgreSQL.
"""

import asyncio
import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from launcher.stack import REPO
from servicekit.migrations import upgrade
from servicekit.testing import backends, scratch_database

SERVICES = sorted(path.name for path in (REPO / "services").iterdir() if (path / path.name / "db" / "migrations").is_dir())


async def differences(service: str, url: str) -> list:
    tables = importlib.import_module(f"{service}.db.tables")
    await asyncio.to_thread(upgrade, REPO / "services" / service / service / "db" / "migrations", url)
    engine = create_async_engine(url, poolclass=pool.NullPool)

    def compare(connection: Connection) -> list:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [diff for diff in compare_metadata(context, tables.metadata) if not _alembics_own(diff)]

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


def _alembics_own(diff: object) -> bool:
    """alembic's version table is in the database and in no metadata."""
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "alembic_version"


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("service", SERVICES)
def test_the_migrations_build_the_tables_the_code_defines(service: str, backend: str, tmp_path: Path) -> None:
    async def check() -> list:
        async with scratch_database(backend, tmp_path) as url:
            return await differences(service, url)

    assert asyncio.run(check()) == []
