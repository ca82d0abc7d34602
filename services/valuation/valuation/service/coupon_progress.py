"""An exchange moves with its coupon: issued, used on an order, released, expired, voided.

Each function runs inside the inbox consumer's transaction and writes its event to the outbox in it.
Late or repeated coupon events that do not fit the exchange's state change nothing.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from eventing.outbox import Outbox
from valuation.db import repository
from valuation.domain.exchange import SUPERSEDED, CancelReason, after_coupon, spent_before_superseded
from valuation.events.outbound import exchange_cancelled


async def coupon_issued(session: AsyncSession, exchange_id: str, coupon_id: str, code: str, now: datetime) -> None:
    """`coupon_issued`; the code is kept even for an exchange already cancelled, so its owner can see what was voided."""
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None:
        return
    status = after_coupon(exchange.status, "issued") or exchange.status
    await repository.move_exchange(session, exchange.id, status, now, coupon=(coupon_id, code))


async def coupon_redeemed(session: AsyncSession, outbox: Outbox, exchange_id: str, discount_paise: int, now: datetime) -> None:
    """`awaiting_handover` with the discount the order got (also from `cancelling`: the cancel lost the race to an order)."""
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None:
        return
    if spent_before_superseded(exchange.status, exchange.cancel_reason):
        # An order got the coupon before the supersede's void reached the coupon service (which
        # leaves it with the order): the exchange is revoked, and ExchangeCancelled is published
        # again with the discount, for the order system to claw back.
        await repository.move_exchange(session, exchange.id, "revoked", now, discounted_paise=discount_paise)
        await outbox.add(session, exchange_cancelled(exchange, SUPERSEDED, now, discount_paise), now)
        return
    target = after_coupon(exchange.status, "redeemed")
    if target is not None:
        await repository.move_exchange(session, exchange.id, target, now, discounted_paise=discount_paise)


async def coupon_released(session: AsyncSession, exchange_id: str, now: datetime) -> None:
    """The order let the coupon go: `coupon_issued` again, nothing discounted."""
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None:
        return
    if exchange.status == "revoked" and exchange.cancel_reason == SUPERSEDED:
        # The order holding a superseded exchange's coupon was cancelled: it keeps no discount (the
        # coupon service voids the coupon), so nothing is left to claw back. No event: the order
        # system knows its own order was cancelled.
        await repository.move_exchange(session, exchange.id, "revoked", now, discounted_paise=0)
        return
    target = after_coupon(exchange.status, "released")
    if target is not None:
        await repository.move_exchange(session, exchange.id, target, now, discounted_paise=0)


async def coupon_expired(session: AsyncSession, outbox: Outbox, exchange_id: str, now: datetime) -> None:
    """Also from `cancelling`: the coupon expired before the cancel request reached it; cancelled either way."""
    await _cancel(session, outbox, exchange_id, "expired", "coupon_expired", now)


async def coupon_voided(session: AsyncSession, outbox: Outbox, exchange_id: str, now: datetime) -> None:
    """The coupon service granted the owner's cancel request: `cancelled`, and ExchangeCancelled (what enrolment follows).

    For an exchange already closed this is only the echo of its ExchangeCancelled, and changes nothing.
    """
    await _cancel(session, outbox, exchange_id, "voided", "customer_cancelled", now)


async def _cancel(session: AsyncSession, outbox: Outbox, exchange_id: str, happening: str, reason: CancelReason, now: datetime) -> None:
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None or after_coupon(exchange.status, happening) is None:
        return
    await repository.move_exchange(session, exchange.id, "cancelled", now, cancel_reason=reason)
    await outbox.add(session, exchange_cancelled(exchange, reason, now), now)
