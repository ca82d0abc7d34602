"""Ops tools: the IMEI blocklist and the built-in engine's market prices."""

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.imei import is_valid_imei
from servicekit.clock import Clock
from servicekit.principal import Principal
from servicekit.problems import Problem
from valuation.db.tables import blocklist, market_prices


async def block(session: AsyncSession, clock: Clock, ops: Principal, imei: str, reason: str):  # type: ignore[no-untyped-def]
    """Add (or re-word) a lost/stolen IMEI; returns the row and whether it is new."""
    if not is_valid_imei(imei):
        raise Problem(422, "imei_invalid", "An IMEI is 15 digits ending in a valid Luhn check digit.")
    existed = await session.scalar(select(blocklist.c.imei).where(blocklist.c.imei == imei)) is not None
    await session.execute(delete(blocklist).where(blocklist.c.imei == imei))
    await session.execute(insert(blocklist).values(imei=imei, reason=reason, added_by=ops.subject or "ops", added_at=clock.now()))
    return (await session.execute(select(blocklist).where(blocklist.c.imei == imei))).one(), not existed


async def unblock(session: AsyncSession, imei: str) -> None:
    result = await session.execute(delete(blocklist).where(blocklist.c.imei == imei))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise Problem(404, "not_found", "This IMEI is not on the blocklist.")


async def set_market_price(session: AsyncSession, clock: Clock, ops: Principal, model_id: str, price_paise: int):  # type: ignore[no-untyped-def]
    """Replace a model's flawless-condition market price; returns the row and whether it is new."""
    existed = await session.scalar(select(market_prices.c.model_id).where(market_prices.c.model_id == model_id)) is not None
    await session.execute(delete(market_prices).where(market_prices.c.model_id == model_id))
    await session.execute(
        insert(market_prices).values(model_id=model_id, price_paise=price_paise, updated_at=clock.now(), updated_by=ops.subject or "ops")
    )
    return (await session.execute(select(market_prices).where(market_prices.c.model_id == model_id))).one(), not existed


async def market_price(session: AsyncSession, model_id: str):  # type: ignore[no-untyped-def]
    row = (await session.execute(select(market_prices).where(market_prices.c.model_id == model_id))).one_or_none()
    if row is None:
        raise Problem(404, "not_found", f"No market price for {model_id}.")
    return row
