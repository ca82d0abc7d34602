"""The catalog app on a migrated, seeded scratch database (SQLite, and PostgreSQL when configured)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from catalog.config import Settings
from catalog.main import create_app
from catalog.seed.__main__ import load_once
from servicekit.testing import ServiceClient, backends, migrated_database, service_client

MIGRATIONS = Path(__file__).resolve().parents[2] / "catalog" / "db" / "migrations"


@pytest.fixture(params=backends())
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    async with migrated_database(request.param, tmp_path, MIGRATIONS) as url:
        await load_once(url)
        app = create_app(Settings(database_url=url, run_workers=False))
        async with app.router.lifespan_context(app):
            async with service_client(app, "http://catalog") as client:
                yield client
