"""The seed: a market price for every exchange-eligible catalog model, loaded once into an empty table."""

import json
from pathlib import Path

from sqlalchemy import func, select

from servicekit.db import Database
from valuation.db.tables import market_prices
from valuation.seed import load_once, seed_prices

CATALOG_SEED = Path(__file__).parents[3] / "catalog" / "catalog" / "seed" / "models.json"


def test_every_exchange_eligible_catalog_model_has_a_plausible_used_price():
    catalog = json.loads(CATALOG_SEED.read_text())["models"]
    eligible = {m["id"]: min(m["srp_history"], key=lambda p: p["effective_from"])["srp_paise"] for m in catalog if m["exchange"]["eligible"]}
    prices = seed_prices()
    assert set(prices) == set(eligible)
    for model_id, price in prices.items():
        assert 0.34 * eligible[model_id] <= price <= 0.55 * eligible[model_id], model_id
        assert price % 100 == 0


async def test_the_seed_loads_into_an_empty_table_only_once(database_url):
    assert await load_once(database_url) == len(seed_prices())
    assert await load_once(database_url) == 0
    db = Database(database_url)
    try:
        async with db.reading() as session:
            assert await session.scalar(select(func.count()).select_from(market_prices)) == len(seed_prices())
    finally:
        await db.dispose()
