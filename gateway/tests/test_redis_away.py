"""The gateway when Redis is away: rate limits fall back to each replica's own buckets (it keeps serving),
partner signatures are refused with 503 (a replay could otherwise pass), and both recover when Redis returns."""

import asyncio
import os
import socket
import uuid

import httpx
import pytest

from eventing.testing import eventually, free_port
from gateway.app import Gateway
from gateway.cli import dev_token
from gateway.config import Settings
from smartupgrade_partner.signing import sign_request

from .conftest import PARTNERS, gateway_settings

REDIS = ("127.0.0.1", 6379)
P = "/api/v1/catalog/models?probe="  # a partner read with no tight limit of its own (coupon lookups have one)


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not redis_reachable() and os.environ.get("REQUIRE_POSTGRES") != "1", reason="Redis is not reachable on 127.0.0.1:6379"
)


class Switch:
    """A TCP proxy to Redis that the test can cut and restore, on a fixed port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def on(self) -> None:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def off(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.pipes):
            writer.transport.abort()
        await self.server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*REDIS)
        self.pipes |= {writer, up_writer}

        async def copy(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                target.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


def customer(account: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(Settings(), account, [])}"}


def partner_signed(path: str) -> dict[str, str]:
    checkout = next(p for p in PARTNERS if p["kind"] == "checkout")
    return sign_request(checkout["key_id"], checkout["secret"], "GET", path)


async def gateway_on(redis_url: str, upstream_port: int, tmp_path) -> tuple[Gateway, httpx.AsyncClient]:
    settings = gateway_settings(upstream_port, tmp_path, redis_url=redis_url, redis_prefix=f"test-{uuid.uuid4().hex}:", rate_customer="5/5")
    app = Gateway(settings)
    await app.start()
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


async def test_without_redis_limits_still_hold_per_replica_and_signatures_are_refused_with_503(upstream_port, tmp_path) -> None:
    app, client = await gateway_on(f"redis://127.0.0.1:{free_port()}/0", upstream_port, tmp_path)
    try:
        statuses = [(await client.get("/api/v1/catalog/models", headers=customer("acc-1"))).status_code for _ in range(8)]
        assert statuses == [200] * 5 + [429] * 3  # this replica's own bucket, burst 5
        refused = await client.get(P + "x", headers=partner_signed(P + "x"))
        assert refused.status_code == 503 and refused.json()["code"] == "upstream_unavailable"
        assert refused.headers["retry-after"] == "1"
        assert (await client.get("/health/ready")).status_code == 503
    finally:
        await client.aclose()
        await app.close()


@needs_redis
async def test_when_redis_returns_shared_limits_and_replay_checks_resume(upstream_port, tmp_path) -> None:
    switch = Switch()
    await switch.on()
    app, client = await gateway_on(f"redis://127.0.0.1:{switch.port}/0", upstream_port, tmp_path)
    try:
        signed = partner_signed(P + "a")
        assert (await client.get(P + "a", headers=signed)).status_code == 200
        assert (await client.get(P + "a", headers=signed)).status_code == 401  # replayed
        await switch.off()
        assert (await client.get(P + "b", headers=partner_signed(P + "b"))).status_code == 503
        assert (await client.get("/api/v1/catalog/models", headers=customer("acc-2"))).status_code == 200
        await switch.on()
        attempt = 0

        async def signatures_checked_again() -> bool:
            nonlocal attempt
            attempt += 1
            path = f"{P}c{attempt}"
            return (await client.get(path, headers=partner_signed(path))).status_code == 200

        await eventually(signatures_checked_again, timeout=10, what="replay checks to use Redis again")
        assert (await client.get("/health/ready")).status_code == 200
    finally:
        await client.aclose()
        await app.close()
        await switch.off()
