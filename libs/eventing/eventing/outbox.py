"""Writing events to the outbox inside the caller's transaction."""

from datetime import UTC, datetime

from sqlalchemy import Table, event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from contracts.base import Event
from eventing.envelope import Envelope
from eventing.tracing import current_trace_context

_WAKE_FLAG = "eventing.outbox_written"


def outbox_channel(source: str) -> str:
    """The PostgreSQL NOTIFY channel of one service's outbox (a channel name is at most 63 bytes)."""
    return f"outbox{source}"[:63]


class Outbox:
    """Adds events to the outbox table in the session's transaction; wakes the relay on commit.

    A relay in this process is woken by the commit itself. On PostgreSQL the transaction also sends a
    NOTIFY on the outbox's channel, which PostgreSQL delivers at commit (and drops on rollback), so a
    relay in another process (the worker of the scaled run) wakes at once instead of at its next poll.
    """

    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source
        self._insert = insert(table)  # built once: constructing a statement costs more than running it on SQLite
        self._listeners: list = []

    async def add(self, session: AsyncSession, event_: Event, now: datetime | None = None) -> Envelope:
        """Record one event; it is published only if the surrounding transaction commits.

        The active trace context (the request or event that caused this one) goes into the envelope
        as the CloudEvents tracing extension, so the consumer continues the same trace.
        """
        now = now or datetime.now(UTC)
        envelope = Envelope.wrap(event_, self.source, now)
        if trace_context := current_trace_context():
            envelope = envelope.model_copy(update=trace_context)
        await session.execute(
            self._insert,
            {"event_id": envelope.id, "topic": event_.TOPIC, "key": envelope.subject, "type": envelope.type, "envelope": envelope.to_bytes().decode(), "created_at": now},
        )
        info = session.sync_session.info
        if _WAKE_FLAG not in info and session.sync_session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": outbox_channel(self.source)})  # once per transaction
        info[_WAKE_FLAG] = self
        return envelope

    def on_commit(self, callback) -> None:
        """Call `callback()` after any commit that wrote to this outbox (the relay's wake-up)."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        for callback in self._listeners:
            callback()


@event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    outbox = session.info.pop(_WAKE_FLAG, None)
    if outbox is not None:
        outbox._notify()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_WAKE_FLAG, None)
