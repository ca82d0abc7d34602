"""The events the coupon service consumes: catalog models, and accepted, cancel-requested and cancelled exchanges."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled
from coupon.service import issuing
from eventing.consumer import Subscription
from eventing.outbox import Outbox
from servicekit.clock import Clock


def subscriptions(outbox: Outbox, clock: Clock, validity_days: int) -> dict[str, Subscription]:
    """Event type → what to do with it, each run in the inbox consumer's transaction."""

    async def on_model_upserted(session: AsyncSession, event: ModelUpserted) -> None:  # type: ignore[override]
        await issuing.learn_model(session, event, clock.now())

    async def on_exchange_accepted(session: AsyncSession, event: ExchangeAccepted) -> None:  # type: ignore[override]
        await issuing.issue_for_exchange(session, outbox, event, validity_days, clock.now())

    async def on_exchange_cancelled(session: AsyncSession, event: ExchangeCancelled) -> None:  # type: ignore[override]
        await issuing.cancel_for_exchange(session, outbox, event, clock.now())

    async def on_exchange_cancellation_requested(session: AsyncSession, event: ExchangeCancellationRequested) -> None:  # type: ignore[override]
        await issuing.decide_cancellation(session, outbox, event, clock.now())

    return {
        ModelUpserted.TYPE: Subscription(ModelUpserted, on_model_upserted),  # type: ignore[arg-type]
        ExchangeAccepted.TYPE: Subscription(ExchangeAccepted, on_exchange_accepted),  # type: ignore[arg-type]
        ExchangeCancelled.TYPE: Subscription(ExchangeCancelled, on_exchange_cancelled),  # type: ignore[arg-type]
        ExchangeCancellationRequested.TYPE: Subscription(ExchangeCancellationRequested, on_exchange_cancellation_requested),  # type: ignore[arg-type]
    }
