"""Two API replicas on one database: a change made through one is served by the other within a second."""

import asyncio
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from catalog.config import Settings
from catalog.main import create_app
from catalog.seed.__main__ import load_once
from servicekit.clock import Clock
from servicekit.testing import backends, migrated_database, principal_headers, service_client

MIGRATIONS = Path(__file__).resolve().parents[2] / "catalog" / "db" / "migrations"
MODEL = "/api/v1/catalog/models/redmi-9-4gb-64gb"


@pytest.fixture(params=backends())
async def replicas(request, tmp_path):
    async with migrated_database(request.param, tmp_path, MIGRATIONS) as url:
        await load_once(url)
        async with AsyncExitStack() as stack:
            clients = []
            for name in ("a", "b"):
                # The view's own timed reload is pushed out of the way: only the freshness probe can explain a fresh read.
                app = create_app(Settings(database_url=url, run_workers=False, view_refresh_seconds=3600))
                await stack.enter_async_context(app.router.lifespan_context(app))
                clients.append(await stack.enter_async_context(service_client(app, f"http://{name}")))
            yield clients


async def srp_seen_by(client) -> int:
    return (await client.get(MODEL)).json()["srp_paise"]


async def test_a_price_added_through_one_replica_is_served_by_the_other_within_a_second(replicas) -> None:
    writer, reader = replicas
    before = await srp_seen_by(reader)  # the reader has loaded its copy
    body = {"effective_from": Clock().today().isoformat(), "srp_paise": before + 100}
    added = await writer.post(f"{MODEL}/prices", json=body, headers=principal_headers("ops", "ops-1"))
    assert added.status_code == 201, added.text
    changed_at = time.monotonic()
    while await srp_seen_by(reader) != before + 100:
        assert time.monotonic() - changed_at < 1.0, "the other replica still serves the old price after 1 s"
        await asyncio.sleep(0.02)
