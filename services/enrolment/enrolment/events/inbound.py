"""The events enrolment consumes: the catalog's models and the exchanges that redeem plans.

Each handler runs in the InboxConsumer's transaction, so its effect and its outbox events commit
together with the inbox record.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.base import Event
from contracts.catalog import ModelUpserted
from contracts.valuation import ExchangeAccepted, ExchangeCancelled, ExchangeCompleted
from enrolment.service import catalog_feed, following
from eventing.consumer import Subscription
from eventing.outbox import Outbox
from servicekit.clock import Clock


def subscriptions(outbox: Outbox, clock: Clock) -> dict[str, Subscription]:
    """Event type → what to do with it."""

    async def on_model_upserted(session: AsyncSession, event: Event) -> None:
        assert isinstance(event, ModelUpserted)
        await catalog_feed.model_upserted(session, event, clock.now())

    async def on_exchange_accepted(session: AsyncSession, event: Event) -> None:
        assert isinstance(event, ExchangeAccepted)
        if event.plan_id:  # a plain exchange, not a Smart Upgrade redemption, is none of our business
            await following.exchange_accepted(session, event.plan_id, event.exchange_id, event.account_id, event.accepted_at, clock.now())

    async def on_exchange_completed(session: AsyncSession, event: Event) -> None:
        assert isinstance(event, ExchangeCompleted)
        if event.plan_id:
            await following.exchange_completed(session, outbox, event.plan_id, event.exchange_id, clock.now())

    async def on_exchange_cancelled(session: AsyncSession, event: Event) -> None:
        assert isinstance(event, ExchangeCancelled)
        if event.plan_id:
            await following.exchange_cancelled(session, outbox, clock, event.plan_id, event.exchange_id)

    return {
        ModelUpserted.TYPE: Subscription(ModelUpserted, on_model_upserted),
        ExchangeAccepted.TYPE: Subscription(ExchangeAccepted, on_exchange_accepted),
        ExchangeCompleted.TYPE: Subscription(ExchangeCompleted, on_exchange_completed),
        ExchangeCancelled.TYPE: Subscription(ExchangeCancelled, on_exchange_cancelled),
    }
