"""A typed handler as the InboxConsumer's Subscription.

eventing's Subscription takes a handler of any Event; the consumer has already opened the event as
the subscription's contract, so narrowing it here lets each handler name its own contract.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.base import Event
from eventing.consumer import Subscription

E = TypeVar("E", bound=Event)


def subscription(contract: type[E], handler: Callable[[AsyncSession, E], Awaitable[None]]) -> Subscription:
    async def handle(session: AsyncSession, event: Event) -> None:
        if not isinstance(event, contract):  # the consumer opens every event as `contract`: a wiring mistake
            raise TypeError(f"{contract.TYPE} handler was given a {type(event).__name__}")
        await handler(session, event)

    return Subscription(contract, handle)


def by_type(*subscriptions: Subscription) -> dict[str, Subscription]:
    """Event type → subscription, as the InboxConsumer looks them up."""
    return {sub.contract.TYPE: sub for sub in subscriptions}
