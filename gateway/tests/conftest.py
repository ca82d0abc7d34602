"""The gateway in-process in front of an echo upstream (a real HTTP server the test starts)."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from eventing.testing import free_port
from gateway.app import Gateway
from gateway.config import Settings

PARTNERS: list[dict[str, Any]] = [
    {"key_id": "pk_retail", "secret": "retail-secret", "kind": "retailer", "store_id": "store-1"},
    {"key_id": "pk_checkout", "secret": "checkout-secret", "kind": "checkout", "store_id": None},
]


async def _echo(request: web.Request) -> web.Response:
    if request.path.endswith("/slow"):
        await asyncio.sleep(3)
    body = await request.read()
    return web.json_response(
        {"method": request.method, "path": request.path_qs, "headers": {k.lower(): v for k, v in request.headers.items()}, "body_size": len(body),
         "body": body.decode("latin-1")}
    )


@pytest.fixture
async def upstream_port() -> AsyncIterator[int]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port
    await runner.cleanup()


def gateway_settings(upstream_port: int, tmp_path: Path, **overrides: Any) -> Settings:
    """Catalog, valuation and coupon routed to the echo upstream; enrolment to a port nobody listens on."""
    partners = tmp_path / "partners.json"
    partners.write_text(json.dumps(PARTNERS))
    dead = f"http://127.0.0.1:{free_port()}"
    echo = f"http://127.0.0.1:{upstream_port}"
    values: dict[str, Any] = {"catalog_url": echo, "enrolment_url": dead, "valuation_url": echo, "coupon_url": echo, "partners_file": partners, "upstream_timeout_seconds": 1.0}
    return Settings(**(values | overrides))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override gateway settings by redefining this fixture."""
    return {}


@pytest.fixture
async def gateway(upstream_port: int, tmp_path: Path, settings_overrides: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = Gateway(gateway_settings(upstream_port, tmp_path, **settings_overrides))
    await app.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        yield client
    await app.close()
