"""The events valuation consumes: catalog models, Smart Upgrade plans, and the coupon of each exchange.

One typed handler per event type, each run in the InboxConsumer's transaction, so its effect and
its outbox events commit together with the inbox record.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from contracts.coupon import CouponExpired, CouponIssued, CouponRedeemed, CouponReleased, CouponVoided
from contracts.enrolment import PlanCancelled, PlanLapsed, PlanPurchased, PlanRedeemed
from eventing.consumer import Subscription, by_type, subscription
from eventing.outbox import Outbox
from servicekit.clock import Clock
from valuation.domain.device import CatalogModel
from valuation.domain.plan import Plan, Window
from valuation.service import catalog_feed, coupon_progress, plans_feed


class Inbound:
    """The handlers, with the outbox and the clock they write and read time with."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock

    async def on_model_upserted(self, session: AsyncSession, event: ModelUpserted) -> None:
        model = CatalogModel(event.id, event.brand, event.name, event.category, event.exchange.eligible)
        await catalog_feed.model_upserted(session, model, list(event.tacs), self.clock.now())

    async def on_plan_purchased(self, session: AsyncSession, event: PlanPurchased) -> None:
        schedule = tuple(Window(w.starts_on, w.ends_on, w.percent, w.amount_paise) for w in event.schedule)
        plan = Plan(event.plan_id, event.account_id, event.model_id, event.imei, event.imei2, "active", schedule, event.lapses_on)
        await plans_feed.plan_purchased(session, plan)

    async def on_plan_cancelled(self, session: AsyncSession, event: PlanCancelled) -> None:
        await plans_feed.plan_closed(session, event.plan_id, "cancelled")

    async def on_plan_redeemed(self, session: AsyncSession, event: PlanRedeemed) -> None:
        await plans_feed.plan_closed(session, event.plan_id, event.outcome)  # redeemed, or traded_in

    async def on_plan_lapsed(self, session: AsyncSession, event: PlanLapsed) -> None:
        await plans_feed.plan_closed(session, event.plan_id, "lapsed")

    async def on_coupon_issued(self, session: AsyncSession, event: CouponIssued) -> None:
        await coupon_progress.coupon_issued(session, event.exchange_id, event.coupon_id, event.code, self.clock.now())

    async def on_coupon_redeemed(self, session: AsyncSession, event: CouponRedeemed) -> None:
        await coupon_progress.coupon_redeemed(session, self.outbox, event.exchange_id, event.discount_paise, self.clock.now())

    async def on_coupon_released(self, session: AsyncSession, event: CouponReleased) -> None:
        await coupon_progress.coupon_released(session, event.exchange_id, self.clock.now())

    async def on_coupon_expired(self, session: AsyncSession, event: CouponExpired) -> None:
        await coupon_progress.coupon_expired(session, self.outbox, event.exchange_id, self.clock.now())

    async def on_coupon_voided(self, session: AsyncSession, event: CouponVoided) -> None:
        await coupon_progress.coupon_voided(session, self.outbox, event.exchange_id, self.clock.now())


def subscriptions(outbox: Outbox, clock: Clock) -> dict[str, Subscription]:
    """Event type → its handler, for the InboxConsumer."""
    inbound = Inbound(outbox, clock)
    return by_type(
        subscription(ModelUpserted, inbound.on_model_upserted),
        subscription(PlanPurchased, inbound.on_plan_purchased),
        subscription(PlanCancelled, inbound.on_plan_cancelled),
        subscription(PlanRedeemed, inbound.on_plan_redeemed),
        subscription(PlanLapsed, inbound.on_plan_lapsed),
        subscription(CouponIssued, inbound.on_coupon_issued),
        subscription(CouponRedeemed, inbound.on_coupon_redeemed),
        subscription(CouponReleased, inbound.on_coupon_released),
        subscription(CouponExpired, inbound.on_coupon_expired),
        subscription(CouponVoided, inbound.on_coupon_voided),
    )
