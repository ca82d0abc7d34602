"""The customer's cancel, and reading exchanges."""

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.principal import Principal
from valuation.db import repository
from valuation.domain.exchange import Exchange, cancel_outcome
from valuation.domain.refusal import not_found
from valuation.events.outbound import exchange_cancellation_requested
from valuation.service.access import require_visible


async def cancel(session: AsyncSession, outbox: Outbox, clock: Clock, principal: Principal, exchange_id: str) -> Exchange:
    """The owner asks to call the exchange off: `cancelling`, and ExchangeCancellationRequested to the coupon service.

    Valuation's view of the coupon lags, so the coupon service decides: it voids an unused coupon
    (CouponVoided → `cancelled`, ExchangeCancelled) or, if an order holds it, leaves it (CouponRedeemed
    → `awaiting_handover`). Asking again while `cancelling` answers the same, with no new event.
    """
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None or principal.account_id != exchange.account_id:
        raise not_found("exchange")
    target = cancel_outcome(exchange.status)
    if target is None:
        return exchange
    now = clock.now()
    await repository.move_exchange(session, exchange.id, target, now)
    await outbox.add(session, exchange_cancellation_requested(exchange, now), now)
    return replace(exchange, status=target, updated_at=now)


async def visible_exchange(db: Database, principal: Principal, exchange_id: str) -> Exchange:
    """The exchange, if the caller may see it (owner, partners involved, ops); otherwise 404 whether or not it exists."""
    async with db.reading() as session:
        exchange = await repository.get_exchange(session, exchange_id)
    if exchange is None:
        raise not_found("exchange")
    require_visible(principal, "exchange", exchange.account_id, exchange.partner_key, exchange.handover_partner_key)
    return exchange


async def exchanges_of(db: Database, account_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Exchange]:
    """Up to `limit` of the account's exchanges, newest first, after the (created_at, id) sort key."""
    async with db.reading() as session:
        return await repository.exchanges_of(session, account_id, after, limit)
