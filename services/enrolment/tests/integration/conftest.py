"""The enrolment app against a real, migrated database (SQLite, and PostgreSQL when configured)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from enrolment.config import Settings
from enrolment.db.migrate import MIGRATIONS
from enrolment.main import create_app
from enrolment.testing import NOON_IN_INDIA, Service, model_upserted
from servicekit.clock import FixedClock
from servicekit.testing import backends, migrated_database, service_client


@pytest.fixture(params=backends())
def backend(request) -> str:
    return request.param


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    async with migrated_database(backend, tmp_path, MIGRATIONS) as url:
        yield url


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[Service]:
    clock = FixedClock(NOON_IN_INDIA)
    app = create_app(Settings(database_url=database_url, run_workers=False), clock)
    async with app.router.lifespan_context(app):
        async with service_client(app, "http://enrolment") as http:
            svc = Service(app, http, clock)
            await svc.deliver(model_upserted())
            yield svc
