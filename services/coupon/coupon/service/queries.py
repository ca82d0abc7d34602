"""Reads: an account's coupons with what holds them, and a coupon's ledger."""

from datetime import datetime

from coupon.db import ledger, repository
from coupon.db.ledger import LedgerEntry
from coupon.domain.coupon import Coupon, Redemption
from servicekit.db import Database


async def coupons_of(db: Database, account_id: str, before: tuple[datetime, str] | None, limit: int) -> list[tuple[Coupon, Redemption | None]]:
    async with db.reading() as session:
        page = await repository.of_account(session, account_id, before, limit)
        held = await repository.live_redemptions(session, [c.id for c in page])
    return [(coupon, held.get(coupon.id)) for coupon in page]


async def held_by(db: Database, coupon: Coupon) -> Redemption | None:
    async with db.reading() as session:
        return await repository.live_redemption(session, coupon.id)


async def ledger_of(db: Database, coupon: Coupon, after_seq: int | None, limit: int) -> list[LedgerEntry]:
    async with db.reading() as session:
        return await ledger.entries(session, coupon.id, after_seq, limit)
