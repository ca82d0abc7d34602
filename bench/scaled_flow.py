"""The scaled run's figures: trade-in throughput with 1 and 2 API replicas per service, and how long a
dead worker's partitions take to move.

Starts `python -m launcher run-scaled` (needs the local PostgreSQL and Redis, like `make run-scaled`) on
free ports with scratch databases, once per API replica count (2 gateway replicas, 2 coupon workers,
1 worker for the others, the default session timeout). Load: `--concurrency` customers, each trading
in phone after phone (quote, then accept: two POSTs with Idempotency-Keys) for `--seconds` after a
warm-up. Then, on the last stack, one coupon worker is killed with SIGKILL, later stopped with SIGTERM (the
supervisor restarts it each time) while a trickle of exchanges goes on, and the bench reports how long
coupons stop arriving for the partitions it held.

    .venv/bin/python bench/scaled_flow.py [--seconds 15] [--concurrency 16] [--replicas 1,2]
"""

import argparse
import asyncio
import importlib
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.seed.__main__ import sample_imei
from launcher.testing import RunningScaledStack

for _name in ("INTERNAL_SECRET", "JWT_SECRET", "METRICS_TOKEN"):
    os.environ.setdefault(_name, secrets.token_urlsafe(32))
helpers = importlib.import_module("tests.e2e.helpers")

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PHONES = ["samsung-galaxy-a51-6gb-128gb", "vivo-v19-8gb-128gb", "oppo-a52-6gb-128gb", "realme-7-6gb-64gb"]
SERIALS = iter(range(200000, 999999))  # one IMEI per trade-in across the whole bench
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}


class Load:
    def __init__(self, http: httpx.AsyncClient, run: str) -> None:
        self.http = http
        self.run = run
        self.flows: list[float] = []  # completion times
        self.latencies: list[float] = []
        self.errors = 0

    async def post(self, path: str, body: object, account: str) -> httpx.Response:
        key = uuid.uuid4().hex
        for attempt in range(50):
            started = time.monotonic()
            try:
                response = await self.http.post(path, json=body, headers=helpers.bearer(account) | {"Idempotency-Key": key})
            except httpx.TransportError:
                response = None
            self.latencies.append(time.monotonic() - started)
            if response is not None and response.status_code not in (502, 503, 504) and not _in_flight(response):
                return response
            self.errors += 1
            await asyncio.sleep(min(1.0, 0.1 * (attempt + 1)))
        raise RuntimeError(f"{path} kept failing")

    async def trade_in(self, account: str) -> str:
        serial = next(SERIALS)
        imei = sample_imei(PHONES[serial % 4], serial)
        quote = await self.post("/api/v1/quotes", {"imei": imei, "condition": FLAWLESS}, account)
        assert quote.status_code == 201, quote.text
        accepted = await self.post(f"/api/v1/quotes/{quote.json()['id']}/accept", None, account)
        assert accepted.status_code == 201, accepted.text
        return accepted.json()["id"]

    async def customer(self, n: int, until: float) -> None:
        i = 0
        while time.monotonic() < until:
            i += 1
            await self.trade_in(f"bench-{self.run}-{n}-{i}")
            self.flows.append(time.monotonic())


def _in_flight(response: httpx.Response) -> bool:
    return response.status_code == 409 and response.json().get("code") == "idempotency_key_in_flight"


async def throughput(stack: RunningScaledStack, seconds: float, concurrency: int) -> dict:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as http:
        warm = Load(http, uuid.uuid4().hex[:6])
        await asyncio.gather(*(warm.customer(n, time.monotonic() + 3) for n in range(concurrency)))
        load = Load(http, uuid.uuid4().hex[:6])
        started = time.monotonic()
        await asyncio.gather(*(load.customer(n, started + seconds) for n in range(concurrency)))
        elapsed = time.monotonic() - started
    latencies = sorted(load.latencies)
    return {
        "flows/s": len(load.flows) / elapsed, "requests/s": len(latencies) / elapsed,
        "p50 ms": 1000 * statistics.median(latencies), "p95 ms": 1000 * latencies[int(len(latencies) * 0.95)], "retries": load.errors,
    }


async def partitions_move(stack: RunningScaledStack, signum: signal.Signals) -> dict:
    """Stop a coupon worker with `signum` during a trickle of exchanges; how long do its partitions' coupons stall?"""
    await stack.wait_until_settled(180)  # the throughput run's events are all applied: a stall is the kill's
    run = uuid.uuid4().hex[:6]
    accepted: dict[str, float] = {}
    credited: dict[str, float] = {}
    database = await asyncpg.connect(stack.database_url("coupon"))
    stop = asyncio.Event()

    async def trickle(http: httpx.AsyncClient) -> None:
        load = Load(http, run)
        i = 0
        while not stop.is_set():
            i += 1
            account = f"trickle-{run}-{i}"
            await load.trade_in(account)
            accepted[account] = time.monotonic()
            await asyncio.sleep(0.05)

    async def watch() -> None:
        while not stop.is_set() or len(credited) < len(accepted):
            for row in await database.fetch("SELECT account_id FROM coupons WHERE account_id LIKE $1", f"trickle-{run}-%"):
                credited.setdefault(row["account_id"], time.monotonic())
            await asyncio.sleep(0.05)

    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:
        tasks = [asyncio.create_task(trickle(http)), asyncio.create_task(watch())]
        await asyncio.sleep(5)
        killed_at = time.monotonic()
        os.kill(stack.pid("coupon-worker-1"), signum)
        await asyncio.sleep(25)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    await database.close()
    before = [credited[a] - t for a, t in accepted.items() if t < killed_at - 1]
    # Every exchange accepted up to a second after the stop is credited by this long after the stop; without a
    # stall that is about a second plus the usual credit time.
    recovered = max(credited[a] for a, t in accepted.items() if t < killed_at + 1) - killed_at
    return {
        "credit p50 before (s)": statistics.median(before), "all credited again after (s)": recovered,
        "exchanges waiting > 3 s": sum(1 for a, t in accepted.items() if credited[a] - t > 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--no-partitions", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.replicas.split(",")]
    for count in counts:
        with tempfile.TemporaryDirectory() as var:
            stack = RunningScaledStack(
                Path(var), POSTGRES, API_REPLICAS=str(count), WORKER_REPLICAS="1", COUPON_WORKER_REPLICAS="2", GATEWAY_REPLICAS="2",
                KAFKA_SESSION_TIMEOUT_MS="10000", RELAY_POLL_SECONDS="0.5",
            )
            try:
                stack.start()
                figures = asyncio.run(throughput(stack, args.seconds, args.concurrency))
                print(f"api replicas {count}: " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()), flush=True)
                if count == counts[-1] and not args.no_partitions:
                    # SIGKILL first: Tansu numbers a group's first generation 0, and aiokafka sends no LeaveGroup from
                    # generation 0, so a graceful stop in the very first generation would wait out the session like a crash.
                    for signum in (signal.SIGKILL, signal.SIGTERM):
                        stack.wait_until_serving()
                        moved = asyncio.run(partitions_move(stack, signum))
                        print(f"coupon worker ended by {signum.name}: " + ", ".join(f"{k} {v:.2f}" for k, v in moved.items()), flush=True)
            finally:
                stack.stop()
                stack.drop_databases_and_keys()


if __name__ == "__main__":
    main()
