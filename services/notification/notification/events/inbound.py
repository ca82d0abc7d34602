"""The events the notification service consumes: every plan, exchange and coupon event.

One typed handler per event type, each run in the InboxConsumer's transaction: the read models, the
deliveries it owes partners and the customer messages it schedules commit with the inbox record.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.coupon import CouponExpired, CouponIssued, CouponRedeemed, CouponReleased, CouponVoided
from contracts.enrolment import PlanCancelled, PlanLapsed, PlanPurchased, PlanRedeemed
from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled, ExchangeCompleted
from eventing.consumer import Subscription, by_type, subscription
from notification.db import read_models
from notification.domain.audience import exchange_parties, store
from notification.events.consumer import current_envelope
from notification.service import scheduling
from notification.service.fanout import fan_out, fan_out_coupon_event, release_parked
from servicekit.clock import Clock


class Inbound:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def _plan_event(self, session: AsyncSession, plan_id: str, status: str | None) -> None:
        now = self.clock.now()
        if status is not None:
            await read_models.set_plan_status(session, plan_id, status, now)
        plan = await read_models.plan(session, plan_id)
        envelope = current_envelope()
        sequence = await read_models.next_sequence(session, envelope.subject)
        await fan_out(session, envelope, sequence, {store(plan.store_id)} if plan else set(), now)

    async def on_plan_purchased(self, session: AsyncSession, event: PlanPurchased) -> None:
        await read_models.remember_plan(session, event.plan_id, event.account_id, event.store_id, self.clock.now())
        await scheduling.on_plan_purchased(session, event, self.clock.now())
        await self._plan_event(session, event.plan_id, None)

    async def on_plan_cancelled(self, session: AsyncSession, event: PlanCancelled) -> None:
        await self._plan_event(session, event.plan_id, "cancelled")

    async def on_plan_redeemed(self, session: AsyncSession, event: PlanRedeemed) -> None:
        await self._plan_event(session, event.plan_id, "redeemed")

    async def on_plan_lapsed(self, session: AsyncSession, event: PlanLapsed) -> None:
        await self._plan_event(session, event.plan_id, "lapsed")

    async def on_exchange_accepted(self, session: AsyncSession, event: ExchangeAccepted) -> None:
        now = self.clock.now()
        plan = await read_models.plan(session, event.plan_id) if event.plan_id else None
        parties = exchange_parties(event.account_id, event.accepted_by, plan.store_id if plan else None)
        await read_models.remember_exchange(session, event.exchange_id, event.account_id, parties, now)
        await self._exchange_event(session, event.exchange_id)
        await release_parked(session, event.exchange_id, parties, now)

    async def _exchange_event(self, session: AsyncSession, exchange_id: str) -> None:
        envelope = current_envelope()
        sequence = await read_models.next_sequence(session, envelope.subject)
        await fan_out(session, envelope, sequence, await read_models.exchange_parties(session, exchange_id) or set(), self.clock.now())

    async def on_exchange_cancellation_requested(self, session: AsyncSession, event: ExchangeCancellationRequested) -> None:
        await self._exchange_event(session, event.exchange_id)

    async def on_exchange_completed(self, session: AsyncSession, event: ExchangeCompleted) -> None:
        await self._exchange_event(session, event.exchange_id)

    async def on_exchange_cancelled(self, session: AsyncSession, event: ExchangeCancelled) -> None:
        await scheduling.on_exchange_cancelled(session, event, self.clock.now())
        await self._exchange_event(session, event.exchange_id)

    async def on_coupon_issued(self, session: AsyncSession, event: CouponIssued) -> None:
        now = self.clock.now()
        await read_models.remember_coupon(session, event.coupon_id, event.exchange_id, event.account_id, event.expires_at, now)
        await scheduling.on_coupon_issued(session, event, now)
        await fan_out_coupon_event(session, current_envelope(), event.exchange_id, now)

    async def _coupon_event(self, session: AsyncSession, coupon_id: str, exchange_id: str, status: str, expires_at: datetime | None = None) -> None:
        now = self.clock.now()
        await read_models.set_coupon_status(session, coupon_id, status, now, expires_at)
        await fan_out_coupon_event(session, current_envelope(), exchange_id, now)

    async def on_coupon_redeemed(self, session: AsyncSession, event: CouponRedeemed) -> None:
        await self._coupon_event(session, event.coupon_id, event.exchange_id, "redeemed")

    async def on_coupon_released(self, session: AsyncSession, event: CouponReleased) -> None:
        await self._coupon_event(session, event.coupon_id, event.exchange_id, "active", expires_at=event.expires_at)

    async def on_coupon_expired(self, session: AsyncSession, event: CouponExpired) -> None:
        await self._coupon_event(session, event.coupon_id, event.exchange_id, "expired")

    async def on_coupon_voided(self, session: AsyncSession, event: CouponVoided) -> None:
        await self._coupon_event(session, event.coupon_id, event.exchange_id, "voided")


def subscriptions(clock: Clock) -> dict[str, Subscription]:
    inbound = Inbound(clock)
    return by_type(
        subscription(PlanPurchased, inbound.on_plan_purchased),
        subscription(PlanCancelled, inbound.on_plan_cancelled),
        subscription(PlanRedeemed, inbound.on_plan_redeemed),
        subscription(PlanLapsed, inbound.on_plan_lapsed),
        subscription(ExchangeAccepted, inbound.on_exchange_accepted),
        subscription(ExchangeCancellationRequested, inbound.on_exchange_cancellation_requested),
        subscription(ExchangeCompleted, inbound.on_exchange_completed),
        subscription(ExchangeCancelled, inbound.on_exchange_cancelled),
        subscription(CouponIssued, inbound.on_coupon_issued),
        subscription(CouponRedeemed, inbound.on_coupon_redeemed),
        subscription(CouponReleased, inbound.on_coupon_released),
        subscription(CouponExpired, inbound.on_coupon_expired),
        subscription(CouponVoided, inbound.on_coupon_voided),
    )
