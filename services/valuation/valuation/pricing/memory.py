"""Last-known partner prices: what the HTTP adapter may fall back on while the partner is down."""

from datetime import datetime
from typing import Protocol

from servicekit.db import Database
from valuation.db import prices


class PriceMemory(Protocol):
    async def recall(self, model_id: str) -> tuple[int, datetime] | None: ...

    async def remember(self, model_id: str, price_paise: int, fetched_at: datetime) -> None: ...


class InMemoryPrices:
    """For one process (tests, a single replica)."""

    def __init__(self) -> None:
        self.prices: dict[str, tuple[int, datetime]] = {}

    async def recall(self, model_id: str) -> tuple[int, datetime] | None:
        return self.prices.get(model_id)

    async def remember(self, model_id: str, price_paise: int, fetched_at: datetime) -> None:
        self.prices[model_id] = (price_paise, fetched_at)


class DatabasePrices:
    """Shared by every replica, so one replica's fetch serves the others during an outage."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def recall(self, model_id: str) -> tuple[int, datetime] | None:
        async with self.db.reading() as session:
            return await prices.last_partner_price(session, model_id)

    async def remember(self, model_id: str, price_paise: int, fetched_at: datetime) -> None:
        # Its own short transaction, outside any use case's: the fetch happens before the quote is written.
        async with self.db.transaction() as session:
            await prices.save_partner_price(session, model_id, price_paise, fetched_at)
