"""Per-principal token buckets: abusers get 429 with Retry-After, everyone else is unaffected."""

import asyncio
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from eventing.testing import free_port, stop, wait_for_port
from gateway.cli import dev_token
from gateway.config import Settings

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def settings_overrides() -> dict:
    return {"rate_customer": "5/5", "rate_anonymous": "100/100", "rate_coupon_lookup": "0.1/3"}


def bearer(account: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(Settings(), account, [])}"}


async def test_a_customer_at_ten_times_the_limit_gets_429s_while_another_customer_passes(gateway) -> None:
    greedy = await asyncio.gather(*(gateway.get("/api/v1/catalog/models", headers=bearer("acc-greedy")) for _ in range(50)))
    polite = [await gateway.get("/api/v1/catalog/models", headers=bearer("acc-polite")) for _ in range(5)]
    statuses = [r.status_code for r in greedy]
    assert statuses.count(200) <= 6 and statuses.count(429) >= 44
    refused = next(r for r in greedy if r.status_code == 429)
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-limit"] == "5" and refused.headers["ratelimit-remaining"] == "0"
    assert all(r.status_code == 200 for r in polite)


async def test_coupon_code_lookups_have_a_tight_limit_of_their_own(gateway) -> None:
    guesses = [await gateway.get(f"/api/v1/coupons/AAAA-BBBB-CCCC-{i:04d}") for i in range(5)]
    assert [r.status_code for r in guesses] == [200, 200, 200, 429, 429]
    assert int(guesses[-1].headers["retry-after"]) >= 5
    assert (await gateway.get("/api/v1/catalog/models")).status_code == 200


def start_gateway(port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--port", str(port), "gateway.app:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
    )
    wait_for_port(port)
    return process


async def test_two_gateways_sharing_redis_enforce_one_limit(upstream_port, tmp_path) -> None:
    partners = tmp_path / "partners.json"
    partners.write_text(json.dumps([{"key_id": "pk", "secret": "s", "kind": "checkout", "store_id": None}]))
    env = dict(os.environ) | {
        "REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": f"test-{uuid.uuid4().hex}:", "RATE_CUSTOMER": "0.01/10",
        "CATALOG_URL": f"http://127.0.0.1:{upstream_port}", "PARTNERS_FILE": str(partners),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    ports = [free_port(), free_port()]
    processes = [start_gateway(port, env) for port in ports]
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            statuses = []
            for i in range(20):  # alternate between the replicas
                response = await client.get(f"http://127.0.0.1:{ports[i % 2]}/api/v1/catalog/models", headers=bearer("acc-shared"))
                statuses.append(response.status_code)
        assert statuses.count(200) == 10 and statuses.count(429) == 10
        assert statuses[:10] == [200] * 10
    finally:
        for process in processes:
            stop(process)
