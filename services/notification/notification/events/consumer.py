"""The inbox consumer, telling handlers which envelope they are applying.

A webhook carries the event's own envelope (its id, source, time), which the typed handlers of
eventing.consumer do not receive; this consumer keeps it in a context variable for the one `apply_in`
call, so handlers stay `on_<event>(session, event)` and the inbox logic stays the library's.
"""

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

from eventing.consumer import InboxConsumer, Subscription
from eventing.envelope import Envelope

_current: ContextVar[Envelope | None] = ContextVar("notification_envelope", default=None)


def current_envelope() -> Envelope:
    envelope = _current.get()
    if envelope is None:  # a wiring mistake: a handler called outside EnvelopeConsumer.apply_in
        raise RuntimeError("no envelope is being applied")
    return envelope


class EnvelopeConsumer(InboxConsumer):
    async def apply_in(self, session: AsyncSession, envelope: Envelope, subscription: Subscription) -> bool:
        """Every application goes through here: InboxConsumer.apply calls it, and so does an ops replay of a parked event."""
        token = _current.set(envelope)
        try:
            return await super().apply_in(session, envelope, subscription)
        finally:
            _current.reset(token)
