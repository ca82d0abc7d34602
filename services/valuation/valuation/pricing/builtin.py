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
        return self.read_along(model_id, price.price_paise if price is not None else None)

    def read_along(self, model_id: str, price_paise: int | None) -> int:
        """The price a quote read with its other facts (read_models.phone_facts), saving a session and a query."""
        if price_paise is None:
            raise PricingUnavailable(f"No market price is set for {model_id}.")
        return price_paise
