"""Last-known partner prices: what the HTTP adapter may fall back on while the partner is down."""

from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, insert, select

from servicekit.db import Database
from valuation.db.tables import partner_prices


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
            row = (await session.execute(select(partner_prices).where(partner_prices.c.model_id == model_id))).one_or_none()
        return (row.price_paise, row.fetched_at) if row else None

    async def remember(self, model_id: str, price_paise: int, fetched_at: datetime) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(partner_prices).where(partner_prices.c.model_id == model_id))
            await session.execute(insert(partner_prices).values(model_id=model_id, price_paise=price_paise, fetched_at=fetched_at))
