"""Market prices: the built-in engine's table that ops manage, and the partner's last-known prices."""

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from valuation.db.tables import market_prices, partner_prices
from valuation.domain.pricing import MarketPrice


async def get_market_price(session: AsyncSession, model_id: str) -> MarketPrice | None:
    row = (await session.execute(select(market_prices).where(market_prices.c.model_id == model_id))).one_or_none()
    return MarketPrice(row.model_id, row.price_paise, row.updated_at, row.updated_by) if row is not None else None


async def save_market_price(session: AsyncSession, price: MarketPrice) -> None:
    """Set or replace the model's price."""
    await session.execute(delete(market_prices).where(market_prices.c.model_id == price.model_id))
    await session.execute(
        insert(market_prices).values(model_id=price.model_id, price_paise=price.price_paise, updated_at=price.updated_at, updated_by=price.updated_by)
    )


async def has_market_prices(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(market_prices)))


async def add_market_prices(session: AsyncSession, prices: list[MarketPrice]) -> None:
    await session.execute(
        insert(market_prices), [{"model_id": p.model_id, "price_paise": p.price_paise, "updated_at": p.updated_at, "updated_by": p.updated_by} for p in prices]
    )


async def last_partner_price(session: AsyncSession, model_id: str) -> tuple[int, datetime] | None:
    """The partner's last price for the model and when it was fetched."""
    row = (await session.execute(select(partner_prices).where(partner_prices.c.model_id == model_id))).one_or_none()
    return (row.price_paise, row.fetched_at) if row is not None else None


async def save_partner_price(session: AsyncSession, model_id: str, price_paise: int, fetched_at: datetime) -> None:
    await session.execute(delete(partner_prices).where(partner_prices.c.model_id == model_id))
    await session.execute(insert(partner_prices).values(model_id=model_id, price_paise=price_paise, fetched_at=fetched_at))
