"""The built-in pricing engine: the market price table ops manage (the embedded default)."""

from sqlalchemy import select

from servicekit.db import Database
from valuation.db.tables import market_prices
from valuation.pricing import PricingUnavailable


class BuiltinPricing:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def market_price(self, model_id: str) -> int:
        async with self.db.reading() as session:
            price = await session.scalar(select(market_prices.c.price_paise).where(market_prices.c.model_id == model_id))
        if price is None:
            raise PricingUnavailable(f"No market price is set for {model_id}.")
        return price
