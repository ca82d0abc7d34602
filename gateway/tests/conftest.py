"""The gateway in-process in front of an echo upstream (a real HTTP server the test starts)."""

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from eventing.testing import free_port
from gateway.app import Gateway
from gateway.config import Settings

PARTNERS = [
    {"key_id": "pk_retail", "secret": "retail-secret", "kind": "retailer", "store_id": "store-1"},
    {"key_id": "pk_checkout", "secret": "checkout-secret", "kind": "checkout", "store_id": None},
]


async def _echo(request: web.Request) -> web.Response:
    if request.path.endswith("/slow"):
        await asyncio.sleep(3)
    body = await request.read()
    return web.json_response({"path": request.path_qs, "headers": {k.lower(): v for k, v in request.headers.items()}, "body_size": len(body)})


@pytest.fixture
async def upstream_port():
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port
    await runner.cleanup()


@pytest.fixture
async def gateway(upstream_port, tmp_path: Path):
    partners = tmp_path / "partners.json"
    partners.write_text(json.dumps(PARTNERS))
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    settings = Settings(
        catalog_url=f"http://127.0.0.1:{upstream_port}", enrolment_url=dead, valuation_url=f"http://127.0.0.1:{upstream_port}",
        coupon_url=f"http://127.0.0.1:{upstream_port}", partners_file=partners, upstream_timeout_seconds=1.0,
    )
    app = Gateway(settings)
    await app.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        client.settings = settings  # type: ignore[attr-defined]
        yield client
    await app.close()
