"""The valuation app against a real, migrated database (SQLite, and PostgreSQL when configured)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from servicekit.clock import FixedClock
from servicekit.testing import backends, migrated_database, service_client
from valuation.config import Settings
from valuation.main import create_app
from valuation.testing import MIGRATIONS, NOON_IN_INDIA, OPS, PHONE, PHONE_PRICE, Service, model_upserted


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
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
        async with service_client(app, "http://valuation") as http:
            svc = Service(app, http, clock)
            await svc.deliver(model_upserted())
            await svc.deliver(model_upserted("mi-smart-band-5", "35000002", eligible=False))
            response = await http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": PHONE_PRICE}, headers=OPS)
            assert response.status_code == 201, response.text
            yield svc
