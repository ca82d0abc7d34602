"""The scaled run (`make run-scaled`) on free ports, against the local PostgreSQL and Redis.

Its databases are named per test run and dropped afterwards, and its Redis keys carry a prefix per
run. Without PostgreSQL or Redis the tests are skipped, saying which is missing; with
REQUIRE_POSTGRES=1 (CI) they fail instead.
"""

import asyncio
import os
from collections.abc import Iterator

import pytest

from launcher.testing import RunningScaledStack

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Replicas as `make run-scaled` starts them, and a second coupon worker so that a dead one's partitions have somewhere to go.
SCALE = {"API_REPLICAS": "2", "WORKER_REPLICAS": "1", "COUPON_WORKER_REPLICAS": "2", "GATEWAY_REPLICAS": "2"}
SETTINGS = {
    # A failed sign-in per replayed signature must not lock 127.0.0.1 out; partners get a limit the test can reach.
    "RATE_AUTH_FAILURE": "500/1000", "RATE_PARTNER": "0.5/20",
    # A request killed with its replica rolls its claim back with it; a lease only matters for a claim an
    # older version left, and is kept short here as before.
    "IDEMPOTENCY_LEASE_SECONDS": "12",
}


async def _missing() -> str | None:
    import asyncpg
    import redis.asyncio as redis

    try:
        connection = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://", 1), timeout=5)
        await connection.close()
    except Exception as exc:  # any failure to connect means "not available here"
        return f"PostgreSQL is unreachable at {POSTGRES_URL} ({type(exc).__name__})"
    client = redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except Exception as exc:
        return f"Redis is unreachable at {REDIS_URL} ({type(exc).__name__})"
    finally:
        await client.aclose()
    return None


@pytest.fixture(scope="module")
def scaled(tmp_path_factory) -> Iterator[RunningScaledStack]:
    missing = asyncio.run(_missing())
    if missing:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"the scaled run needs PostgreSQL and Redis (REQUIRE_POSTGRES=1): {missing}")
        pytest.skip(f"scaled run not tested: {missing}")
    running = RunningScaledStack(tmp_path_factory.mktemp("scaled"), POSTGRES_URL, REDIS_URL, **SCALE, **SETTINGS)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.drop_databases_and_keys()
