"""Where the market price of a model in flawless working condition comes from."""

from typing import Protocol


class PricingUnavailable(Exception):
    """No trustworthy market price right now; the platform never invents one (503 pricing_unavailable)."""


class PricingAdapter(Protocol):
    async def market_price(self, model_id: str) -> int:
        """The flawless-condition market price in paise, or PricingUnavailable."""
        ...
