"""Where accept → coupon visible spends its time on `make run-scaled` (PostgreSQL): commit, publish, consume, see.

Starts the scaled stack as `bench/write_paths.py --scaled` does, makes `--accepts` quotes, accepts them at
`--rate` a second with each customer polling its own `/me/coupons` as that bench does, then reads the
timestamps the platform keeps: the valuation outbox's `created_at` (the accept's transaction) and
`published_at` (the relay), and the coupon inbox's `processed_at` (the coupon worker applied it). Prints
p50/p90/max of: outbox row → published (the relay's wait), published → applied (broker and consumer),
the accept's own answer, a /me/coupons answer, and accept sent → coupon seen.

    .venv/bin/python bench/accept_to_coupon.py [--rate 20] [--accepts 100]
"""

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.write_paths import LIMITS, Bench, Partners, ScaledStack, wait_ready


def summary(name: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{name}: none"
    ordered = sorted(seconds)
    return (f"{name}: n={len(ordered)} p50 {1000 * statistics.median(ordered):.0f} ms, "
            f"p90 {1000 * ordered[int(len(ordered) * 0.9)]:.0f} ms, max {1000 * ordered[-1]:.0f} ms")


async def accept_all(gateway: str, quotes: list[tuple[str, str]], rate: float) -> tuple[datetime, list[float], list[float], list[float]]:
    """Accept at `rate`; returns when the first was sent, and the accept answers, poll answers and accept → seen times."""
    answers: list[float] = []
    polls: list[float] = []
    seen: list[float] = []
    first_sent = datetime.now(UTC)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=gateway, timeout=30, limits=httpx.Limits(max_connections=64)) as http:

        async def one(i: int, quote_id: str, authorization: str) -> None:
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
            headers = {"Authorization": authorization}
            sent = time.monotonic()
            accepted = await http.post(f"/api/v1/quotes/{quote_id}/accept", headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
            answers.append(time.monotonic() - sent)
            if accepted.status_code != 201:
                return
            while time.monotonic() - sent < 30:
                asked = time.monotonic()
                try:
                    response = await http.get("/api/v1/me/coupons", headers=headers)
                except httpx.HTTPError:
                    continue
                polls.append(time.monotonic() - asked)
                if response.status_code == 200 and response.json()["items"]:
                    seen.append(time.monotonic() - sent)
                    return
                waited = time.monotonic() - sent
                await asyncio.sleep(0.025 if waited < 0.25 else 0.1 if waited < 1 else 0.25)

        await asyncio.gather(*(one(i, q, a) for i, (q, a) in enumerate(quotes)))
    return first_sent, answers, polls, seen


async def event_timings(stack: ScaledStack, since: datetime) -> tuple[list[float], list[float]]:
    """(outbox row → published, published → applied by the coupon worker) of the ExchangeAccepted events since `since`."""
    valuation = await asyncpg.connect(stack.scaled.database_url("valuation"))
    coupon = await asyncpg.connect(stack.scaled.database_url("coupon"))
    try:
        rows = await valuation.fetch(
            "SELECT event_id, created_at, published_at FROM outbox WHERE type LIKE '%ExchangeAccepted' AND created_at >= $1 AND published_at IS NOT NULL", since
        )
        applied = {r["event_id"]: r["processed_at"] for r in await coupon.fetch("SELECT event_id, processed_at FROM inbox")}
    finally:
        await valuation.close()
        await coupon.close()
    published = [(r["published_at"] - r["created_at"]).total_seconds() for r in rows]
    consumed = [(applied[r["event_id"]] - r["published_at"]).total_seconds() for r in rows if r["event_id"] in applied]
    return published, consumed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--accepts", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-accept-"))
    partners = Partners(4)
    stack = ScaledStack(work / "var", LIMITS | {"PARTNERS_FILE": str(partners.write(work / "partners.json"))})
    bench = Bench(stack, work, partners, 5, 32)
    try:
        stack.start()
        wait_ready(stack, bench)
        quotes = []
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as http:
            for request in bench.quotes(args.accepts):
                response = http.request(request.method, request.path, headers=request.headers, content=request.body.encode())
                if response.status_code != 201:
                    raise SystemExit(f"quote refused: {response.status_code} {response.text}")
                quotes.append((response.json()["id"], request.headers["Authorization"]))
        asyncio.run(stack.scaled.wait_until_settled())
        first_sent, answers, polls, seen = asyncio.run(accept_all(stack.gateway_url, quotes, args.rate))
        published, consumed = asyncio.run(event_timings(stack, first_sent))
    finally:
        stack.stop()
    shutil.rmtree(work, ignore_errors=True)
    print(f"{args.accepts} accepts at {args.rate:.0f}/s, {len(seen)} coupons seen")
    for name, values in [("outbox row → published (relay)", published), ("published → applied (broker, coupon worker)", consumed),
                         ("the accept's own answer", answers), ("a /me/coupons answer", polls), ("accept sent → coupon seen", seen)]:
        print("  " + summary(name, values))


if __name__ == "__main__":
    main()
