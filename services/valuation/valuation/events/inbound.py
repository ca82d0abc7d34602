"""Read models and exchange progress from other services' events; each runs in the consumer's transaction."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import catalog, coupon, enrolment
from eventing.consumer import Subscription
from eventing.outbox import Outbox
from servicekit.clock import Clock
from valuation.db import repository
from valuation.domain.exchange import SUPERSEDED, after_coupon, spent_before_superseded
from valuation.events.outbound import exchange_cancelled


async def on_model_upserted(session: AsyncSession, event: catalog.ModelUpserted) -> None:
    values = {"brand": event.brand, "name": event.name, "category": event.category, "exchange_eligible": event.exchange.eligible}
    await repository.upsert_model(session, event.id, values | {"updated_at": datetime.now(UTC)}, list(event.tacs))


async def on_plan_purchased(session: AsyncSession, event: enrolment.PlanPurchased) -> None:
    await repository.add_plan(
        session,
        event.plan_id,
        account_id=event.account_id,
        model_id=event.model_id,
        imei=event.imei,
        imei2=event.imei2,
        schedule=repository.schedule_json(event.schedule),
        lapses_on=event.lapses_on,
    )


def plan_closer(status: str):  # type: ignore[no-untyped-def]
    async def handle(session: AsyncSession, event) -> None:  # type: ignore[no-untyped-def]
        await repository.close_plan(session, event.plan_id, status)

    return handle


class CouponProgress:
    """Moves exchanges along as their coupon is issued, used, released or expires."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock

    async def issued(self, session: AsyncSession, event: coupon.CouponIssued) -> None:
        # The code is kept even for an exchange already cancelled, so its owner can see what was voided.
        await self._move(session, event.exchange_id, "issued", coupon_id=event.coupon_id, coupon_code=event.code)

    async def redeemed(self, session: AsyncSession, event: coupon.CouponRedeemed) -> None:
        exchange = await repository.get_exchange(session, event.exchange_id, lock=True)
        if exchange is not None and spent_before_superseded(exchange.status, exchange.cancel_reason):
            # An order got the coupon before the supersede's void reached the coupon service (which
            # leaves it with the order): the exchange is revoked, and ExchangeCancelled is published
            # again with the discount, for the order system to claw back.
            now = self.clock.now()
            await repository.move_exchange(session, exchange.id, "revoked", now, discounted_paise=event.discount_paise)
            await self.outbox.add(session, exchange_cancelled(exchange, SUPERSEDED, now, event.discount_paise), now)
            return
        await self._move(session, event.exchange_id, "redeemed", discounted_paise=event.discount_paise)

    async def released(self, session: AsyncSession, event: coupon.CouponReleased) -> None:
        exchange = await repository.get_exchange(session, event.exchange_id, lock=True)
        if exchange is not None and exchange.status == "revoked" and exchange.cancel_reason == SUPERSEDED:
            # The order holding a superseded exchange's coupon was cancelled: it keeps no discount (the
            # coupon service voids the coupon), so nothing is left to claw back. No event: the order
            # system knows its own order was cancelled.
            await repository.move_exchange(session, exchange.id, "revoked", self.clock.now(), discounted_paise=0)
            return
        await self._move(session, event.exchange_id, "released", discounted_paise=0)

    async def expired(self, session: AsyncSession, event: coupon.CouponExpired) -> None:
        # Also from `cancelling`: the coupon expired before the cancel request reached it; cancelled either way.
        await self._cancel(session, event.exchange_id, "expired", "coupon_expired")

    async def voided(self, session: AsyncSession, event: coupon.CouponVoided) -> None:
        # The coupon service granted the owner's cancel request: now the exchange is cancelled, and
        # ExchangeCancelled (what enrolment follows) goes out. For an exchange already closed this is
        # only the echo of its ExchangeCancelled, and changes nothing.
        await self._cancel(session, event.exchange_id, "voided", "customer_cancelled")

    async def _cancel(self, session: AsyncSession, exchange_id: str, happening: str, reason: str) -> None:
        exchange = await repository.get_exchange(session, exchange_id, lock=True)
        if exchange is None or after_coupon(exchange.status, happening) is None:
            return
        now = self.clock.now()
        await repository.move_exchange(session, exchange.id, "cancelled", now, cancel_reason=reason)
        await self.outbox.add(session, exchange_cancelled(exchange, reason, now), now)

    async def _move(self, session: AsyncSession, exchange_id: str, happening: str, **values) -> None:  # type: ignore[no-untyped-def]
        exchange = await repository.get_exchange(session, exchange_id, lock=True)
        if exchange is None:
            return
        target = after_coupon(exchange.status, happening)
        if target is not None:
            await repository.move_exchange(session, exchange.id, target, self.clock.now(), **values)
        elif happening == "issued":
            await repository.move_exchange(session, exchange.id, exchange.status, self.clock.now(), **values)


def _on(contract: type, handler) -> Subscription:  # type: ignore[no-untyped-def]
    """A subscription whose handler takes the contract's own type (the consumer validates it as `contract`)."""
    return Subscription(contract, handler)


def subscriptions(outbox: Outbox, clock: Clock) -> dict[str, Subscription]:
    """Every event type valuation consumes."""
    progress = CouponProgress(outbox, clock)
    wanted = [
        _on(catalog.ModelUpserted, on_model_upserted),
        _on(enrolment.PlanPurchased, on_plan_purchased),
        _on(enrolment.PlanCancelled, plan_closer("cancelled")),
        _on(enrolment.PlanRedeemed, plan_closer("redeemed")),
        _on(enrolment.PlanLapsed, plan_closer("lapsed")),
        _on(coupon.CouponIssued, progress.issued),
        _on(coupon.CouponRedeemed, progress.redeemed),
        _on(coupon.CouponReleased, progress.released),
        _on(coupon.CouponExpired, progress.expired),
        _on(coupon.CouponVoided, progress.voided),
    ]
    return {sub.contract.TYPE: sub for sub in wanted}
