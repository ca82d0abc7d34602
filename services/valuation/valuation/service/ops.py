"""Ops tools: the IMEI blocklist and the built-in engine's market prices. Each use case is one transaction."""

from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.principal import Principal
from valuation.db import blocklist, prices
from valuation.domain.device import BlockedImei, check_imei
from valuation.domain.pricing import MarketPrice
from valuation.domain.refusal import Refused


async def block(db: Database, clock: Clock, ops: Principal, imei: str, reason: str) -> tuple[BlockedImei, bool]:
    """Add (or re-word) a lost/stolen IMEI; returns the entry and whether it is new."""
    check_imei(imei)
    entry = BlockedImei(imei, reason, ops.subject or "ops", clock.now())
    async with db.transaction() as session:
        existed = await blocklist.blocklisted(session, imei)
        await blocklist.save_block(session, entry)
    return entry, not existed


async def unblock(db: Database, imei: str) -> None:
    async with db.transaction() as session:
        if not await blocklist.remove_block(session, imei):
            raise Refused("not_found", "This IMEI is not on the blocklist.")


async def set_market_price(db: Database, clock: Clock, ops: Principal, model_id: str, price_paise: int) -> tuple[MarketPrice, bool]:
    """Replace a model's flawless-condition market price; returns the price and whether it is new."""
    price = MarketPrice(model_id, price_paise, clock.now(), ops.subject or "ops")
    async with db.transaction() as session:
        existed = await prices.get_market_price(session, model_id) is not None
        await prices.save_market_price(session, price)
    return price, not existed


async def market_price(db: Database, model_id: str) -> MarketPrice:
    async with db.reading() as session:
        price = await prices.get_market_price(session, model_id)
    if price is None:
        raise Refused("not_found", f"No market price for {model_id}.")
    return price

