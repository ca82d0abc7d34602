"""Reads: an account's coupons with what holds them, one coupon for whoever may see it, a coupon's ledger."""

from datetime import datetime

from coupon.db import ledger, repository
from coupon.db.ledger import LedgerEntry
from coupon.domain.coupon import Coupon, Redemption
from coupon.service import access
from servicekit.db import Database
from servicekit.principal import Principal


async def coupons_of(db: Database, account_id: str, before: tuple[datetime, str] | None, limit: int) -> list[tuple[Coupon, Redemption | None]]:
    async with db.reading() as session:
        page = await repository.of_account(session, account_id, before, limit)
        held = await repository.live_redemptions(session, [c.id for c in page])
    return [(coupon, held.get(coupon.id)) for coupon in page]


async def coupon_for(db: Database, code: str, principal: Principal, account_id: str | None) -> tuple[Coupon, Redemption | None]:
    """The coupon a code names, if the caller may see it, with the redemption holding it (if one does)."""
    async with db.reading() as session:
        coupon = await access.visible_coupon(session, code, principal, account_id)
        return coupon, await repository.live_redemption(session, coupon.id)


async def ledger_for(db: Database, code: str, principal: Principal, after_seq: int | None, limit: int) -> list[LedgerEntry]:
    """The coupon's ledger, for its owner and ops; anyone else is told the code does not exist."""
    async with db.reading() as session:
        coupon = await access.coupon_named(session, code)
        if not access.may_read_ledger(principal, coupon):
            raise access.no_such_coupon()
        return await ledger.entries(session, coupon.id, after_seq, limit)
