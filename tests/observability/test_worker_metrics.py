"""A worker-only process answers scrapes itself (WORKER_METRICS_PORT), behind the same METRICS_TOKEN rule
as the services' /metrics: the figures for the scraper, 404 problem+json for everyone else."""

import asyncio

import httpx

from eventing.metrics import CONSUMER_LAG
from eventing.testing import free_port
from servicekit.worker_metrics import serve_worker_metrics

TOKEN = "worker-metrics-test-token-0123456789abcdef"


async def test_the_scraper_gets_the_worker_figures_and_nobody_else_does() -> None:
    port = free_port()
    CONSUMER_LAG.labels("worker-metrics-test", "valuation.events", "0").set(7)
    server = await serve_worker_metrics(port, TOKEN, host="127.0.0.1")
    assert server is not None
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert scraped.status_code == 200
            assert 'consumer_lag{consumer="worker-metrics-test",partition="0",topic="valuation.events"} 7.0' in scraped.text
            for refused in (
                await client.get("/metrics"),
                await client.get("/metrics", headers={"Authorization": "Bearer wrong"}),
                await client.get("/other", headers={"Authorization": f"Bearer {TOKEN}"}),
                await client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}),
            ):
                assert refused.status_code == 404
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.json()["code"] == "not_found"
                assert "consumer_lag" not in refused.text
    finally:
        server.close()
        await server.wait_closed()


async def test_a_client_that_sends_nothing_does_not_hold_the_server() -> None:
    port = free_port()
    server = await serve_worker_metrics(port, TOKEN, host="127.0.0.1")
    assert server is not None
    try:
        idle = await asyncio.open_connection("127.0.0.1", port)
        async with httpx.AsyncClient(timeout=5) as client:
            scraped = await client.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200
        idle[1].close()
    finally:
        server.close()
        await server.wait_closed()


async def test_no_port_or_no_token_opens_nothing() -> None:
    assert await serve_worker_metrics(0, TOKEN) is None
    assert await serve_worker_metrics(free_port(), "") is None
