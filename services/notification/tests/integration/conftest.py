"""Fixtures: the notification app against a real database (SQLite, and PostgreSQL when configured)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from notification.config import Settings
from notification.main import create_app
from notification.testing import MIGRATIONS, NOW, SECRETS_KEY, Harness
from servicekit.clock import FixedClock
from servicekit.testing import backends, migrated_database, service_client


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    async with migrated_database(backend, tmp_path, MIGRATIONS) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(NOTIFICATION_DATABASE_URL=database_url, RUN_WORKERS=False, NOTIFICATION_SECRETS_KEY=SECRETS_KEY, ENV="test")


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[Harness]:
    clock = FixedClock(NOW)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app), service_client(app, "http://notification") as client:
        yield Harness(app, client, clock)
