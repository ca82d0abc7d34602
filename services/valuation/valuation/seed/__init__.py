"""Seed data: market prices for the built-in engine, one per exchange-eligible model of the catalog seed."""

import json
from pathlib import Path

from sqlalchemy import func, insert, select

from servicekit.clock import Clock
from servicekit.db import Database
from valuation.db.tables import market_prices

SEED_FILE = Path(__file__).parent / "market_prices.json"


def seed_prices() -> dict[str, int]:
    return json.loads(SEED_FILE.read_text())["market_prices"]


async def load_once(database_url: str, clock: Clock | None = None) -> int:
    """Load the seed prices into an empty market price table; returns how many (0 if prices exist already)."""
    db = Database(database_url)
    now = (clock or Clock()).now()
    try:
        async with db.transaction() as session:
            if await session.scalar(select(func.count()).select_from(market_prices)):
                return 0
            rows = [{"model_id": m, "price_paise": p, "updated_at": now, "updated_by": "seed"} for m, p in seed_prices().items()]
            await session.execute(insert(market_prices), rows)
        return len(rows)
    finally:
        await db.dispose()
