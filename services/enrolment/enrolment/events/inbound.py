"""The events enrolment consumes: the catalog's models, and the exchanges that end plans.

One typed handler per event type, each run in the InboxConsumer's transaction, so its effect and
its outbox events commit together with the inbox record.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from contracts.valuation import ExchangeAccepted, ExchangeCancelled, ExchangeCompleted
from enrolment.service import catalog_feed, following
from eventing.consumer import Subscription, by_type, subscription
from eventing.outbox import Outbox
from servicekit.clock import Clock


class Inbound:
    """The handlers, with the outbox and the clock they write and read time with."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock

    async def on_model_upserted(self, session: AsyncSession, event: ModelUpserted) -> None:
        await catalog_feed.model_upserted(session, event, self.clock.now())

    # Valuation names a plan whenever the exchanged IMEI had a live plan of the accepting account,
    # in either programme; an exchange without one is none of our business.

    async def on_exchange_accepted(self, session: AsyncSession, event: ExchangeAccepted) -> None:
        if event.plan_id:
            await following.exchange_accepted(session, self.clock, event.plan_id, event.exchange_id, event.account_id, event.accepted_at)

    async def on_exchange_completed(self, session: AsyncSession, event: ExchangeCompleted) -> None:
        if event.plan_id:
            await following.exchange_completed(session, self.outbox, self.clock, event.plan_id, event.exchange_id, event.program)

    async def on_exchange_cancelled(self, session: AsyncSession, event: ExchangeCancelled) -> None:
        if event.plan_id:
            await following.exchange_cancelled(session, self.outbox, self.clock, event.plan_id, event.exchange_id)


def subscriptions(outbox: Outbox, clock: Clock) -> dict[str, Subscription]:
    """Event type → its handler, for the InboxConsumer."""
    inbound = Inbound(outbox, clock)
    return by_type(
        subscription(ModelUpserted, inbound.on_model_upserted),
        subscription(ExchangeAccepted, inbound.on_exchange_accepted),
        subscription(ExchangeCompleted, inbound.on_exchange_completed),
        subscription(ExchangeCancelled, inbound.on_exchange_cancelled),
    )
