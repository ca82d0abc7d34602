"""Seed data: market prices for the built-in engine, one per exchange-eligible model of the catalog seed."""

import json
from pathlib import Path

from servicekit.clock import Clock
from servicekit.db import Database
from valuation.db import prices
from valuation.domain.pricing import MarketPrice

SEED_FILE = Path(__file__).parent / "market_prices.json"


def seed_prices() -> dict[str, int]:
    return json.loads(SEED_FILE.read_text())["market_prices"]


async def load_once(database_url: str, clock: Clock | None = None) -> int:
    """Load the seed prices into an empty market price table; returns how many (0 if prices exist already)."""
    db = Database(database_url)
    now = (clock or Clock()).now()
    try:
        async with db.transaction() as session:
            if await prices.has_market_prices(session):
                return 0
            seeded = [MarketPrice(model_id, price, now, "seed") for model_id, price in seed_prices().items()]
            await prices.add_market_prices(session, seeded)
        return len(seeded)
    finally:
        await db.dispose()
