"""Fixtures: the coupon app against a real database (SQLite, and PostgreSQL when configured)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from coupon.config import Settings
from coupon.main import create_app
from coupon.testing import ACCEPTED_AT, CATALOG, MIGRATIONS, Harness, model_upserted
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
async def harness(database_url: str) -> AsyncIterator[Harness]:
    clock = FixedClock(ACCEPTED_AT)
    app = create_app(Settings(COUPON_DATABASE_URL=database_url, RUN_WORKERS=False), clock=clock)
    async with app.router.lifespan_context(app):
        async with service_client(app, "http://coupon") as client:
            h = Harness(app, client, clock)
            for model_id, (brand, category) in CATALOG.items():
                await h.deliver(model_upserted(model_id, brand, category))
            yield h
