"""The built-in pricing engine: the market price table ops manage (the embedded default)."""

from servicekit.db import Database
from valuation.db import prices
from valuation.pricing import PricingUnavailable


class BuiltinPricing:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def market_price(self, model_id: str) -> int:
        async with self.db.reading() as session:
            price = await prices.get_market_price(session, model_id)
        if price is None:
            raise PricingUnavailable(f"No market price is set for {model_id}.")
        return price.price_paise
