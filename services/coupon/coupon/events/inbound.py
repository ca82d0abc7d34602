"""The events the coupon service consumes: catalog models, and accepted, cancel-requested and cancelled exchanges.

One typed handler per event type, each run in the InboxConsumer's transaction, so its effect, its
ledger rows and its outbox events commit together with the inbox record.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled
from coupon.service import issuing
from eventing.consumer import Subscription, by_type, subscription
from eventing.outbox import Outbox
from servicekit.clock import Clock


class Inbound:
    """The handlers, with the outbox, the clock and the coupons' validity they need."""

    def __init__(self, outbox: Outbox, clock: Clock, validity_days: int) -> None:
        self.outbox = outbox
        self.clock = clock
        self.validity_days = validity_days

    async def on_model_upserted(self, session: AsyncSession, event: ModelUpserted) -> None:
        await issuing.learn_model(session, event, self.clock.now())

    async def on_exchange_accepted(self, session: AsyncSession, event: ExchangeAccepted) -> None:
        await issuing.issue_for_exchange(session, self.outbox, event, self.validity_days, self.clock.now())

    async def on_exchange_cancellation_requested(self, session: AsyncSession, event: ExchangeCancellationRequested) -> None:
        await issuing.decide_cancellation(session, self.outbox, event, self.clock.now())

    async def on_exchange_cancelled(self, session: AsyncSession, event: ExchangeCancelled) -> None:
        await issuing.cancel_for_exchange(session, self.outbox, event, self.clock.now())


def subscriptions(outbox: Outbox, clock: Clock, validity_days: int) -> dict[str, Subscription]:
    """Event type → its handler, for the InboxConsumer."""
    inbound = Inbound(outbox, clock, validity_days)
    return by_type(
        subscription(ModelUpserted, inbound.on_model_upserted),
        subscription(ExchangeAccepted, inbound.on_exchange_accepted),
        subscription(ExchangeCancellationRequested, inbound.on_exchange_cancellation_requested),
        subscription(ExchangeCancelled, inbound.on_exchange_cancelled),
    )
