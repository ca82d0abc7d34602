"""An inbox-checked consumer: each event's effect happens once, however often it is delivered."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.structs import ConsumerRecord
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from contracts.base import Event
from eventing.envelope import Envelope
from eventing.kafka import KafkaSettings, ensure_topics, new_consumer, new_producer, start_when_up
from eventing.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_DUPLICATE
from eventing.relay import SessionFactory

log = logging.getLogger("eventing.consumer")

Handler = Callable[[AsyncSession, Event], Awaitable[None]]

# Errors that say "the database is not there right now", not "this event is bad": retried without limit.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, OSError, TimeoutError)


# Outbox rows are republished for up to 7 days; an inbox entry must outlive any copy of its event.
INBOX_RETENTION = timedelta(days=30)


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


@dataclass(frozen=True)
class Subscription:
    """What to do with one event type: validate it as `contract`, then apply `handler`."""

    contract: type[Event]
    handler: Handler


E = TypeVar("E", bound=Event)


def subscription(contract: type[E], handler: Callable[[AsyncSession, E], Awaitable[None]]) -> Subscription:
    """A subscription whose handler names its own contract (the consumer opens every event as it)."""

    async def handle(session: AsyncSession, event: Event) -> None:
        if not isinstance(event, contract):  # a wiring mistake, not a bad event
            raise TypeError(f"{contract.TYPE} handler was given a {type(event).__name__}")
        await handler(session, event)

    return Subscription(contract, handle)


def by_type(*subscriptions: Subscription) -> dict[str, Subscription]:
    """Event type → subscription, as the InboxConsumer looks them up."""
    return {sub.contract.TYPE: sub for sub in subscriptions}


class InboxConsumer:
    """Consumes topics in a group, applying each event in one transaction with its inbox record.

    The offset is committed only after that transaction. A failing event is retried
    `max_attempts` times, then sent to `<topic>.dlq` with the error, and the partition moves on.
    """

    def __init__(
        self,
        name: str,
        subscriptions: dict[str, Subscription],
        inbox: Table,
        write_transaction: SessionFactory,
        kafka: KafkaSettings,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
    ) -> None:
        self.name = name
        self.subscriptions = subscriptions
        self.topics = sorted({sub.contract.TOPIC for sub in subscriptions.values()})
        self.inbox = inbox
        self.write_transaction = write_transaction
        self.kafka = kafka
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self._dlq: AIOKafkaProducer | None = None
        # True once the group has assigned this consumer its partitions and it has read each to the
        # end it saw on joining: from then on the read models it feeds are as fresh as the topic.
        self.caught_up = False
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop consuming: the event in hand is finished and its offset committed, then run() returns.

        Records fetched but not yet applied are left uncommitted; leaving the group hands their
        partitions to another worker at once, which reads them from the committed offset.
        """
        self._stopping.set()

    async def run(self) -> None:
        """Consume until stop() or cancellation."""
        wanted = {topic: self.kafka.partitions for topic in self.topics}
        wanted |= {dlq_topic(topic): 1 for topic in self.topics}
        await ensure_topics(self.kafka, wanted)
        self._dlq = new_producer(self.kafka)
        await start_when_up(self._dlq, self.kafka.retry_seconds)
        consumer = new_consumer(self.kafka, self.name)
        assignment = _Assignment()
        consumer.subscribe(self.topics, listener=assignment)
        await start_when_up(consumer, self.kafka.retry_seconds)
        loop = asyncio.get_running_loop()
        next_purge = loop.time()
        try:
            while not self._stopping.is_set():
                if loop.time() >= next_purge:
                    await self.purge_old_inbox_entries()
                    next_purge = loop.time() + 3600
                batches = await self._next_batches(consumer)
                for partition, records in batches.items():
                    applied = None
                    for record in records:
                        if self._stopping.is_set():
                            break
                        await self.process(record)
                        applied = record
                    if applied is not None:
                        await consumer.commit({partition: applied.offset + 1})
                if not self.caught_up and assignment.done.is_set() and not self._stopping.is_set():
                    self.caught_up = await _read_to_the_end(consumer)
        finally:
            await consumer.stop()  # leaves the group: its partitions move to the other workers now
            await self._dlq.stop()

    async def _next_batches(self, consumer: AIOKafkaConsumer) -> dict:
        """The next fetched records, or none as soon as stop() is called."""
        fetch = asyncio.ensure_future(consumer.getmany(timeout_ms=1000))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not fetch.done():
                fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetch
        return {} if fetch.cancelled() else fetch.result()

    async def process(self, record: ConsumerRecord) -> None:
        """Apply one record once, or dead-letter it after bounded retries."""
        try:
            envelope = Envelope.from_bytes(record.value)
        except ValueError as exc:
            await self.dead_letter(record, f"malformed envelope: {exc}")
            return
        subscription = self.subscriptions.get(envelope.type)
        if subscription is None:
            return  # an event type this consumer has no interest in
        try:
            await self._retrying(envelope.id)(self.apply, envelope, subscription)
        except Exception as exc:
            log.error("event failed %s times; dead-lettering", self.max_attempts, extra={"event_id": envelope.id})
            await self.dead_letter(record, f"{type(exc).__name__}: {exc}")

    def _retrying(self, event_id: str) -> AsyncRetrying:
        """A database that is away is waited for without limit (the event is not at fault); any other
        failure is tried `max_attempts` times with a growing pause, then given up (and dead-lettered)."""
        failures = 0

        def give_up(state: RetryCallState) -> bool:
            nonlocal failures
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, TRANSIENT):
                log.warning("database unavailable; retrying event", extra={"event_id": event_id, "error": str(error)})
                return False
            failures += 1
            return failures >= self.max_attempts

        def pause(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.kafka.retry_seconds if isinstance(error, TRANSIENT) else self.backoff_seconds * failures

        return AsyncRetrying(stop=give_up, wait=pause, retry=retry_if_exception_type(Exception), reraise=True)

    async def apply(self, envelope: Envelope, subscription: Subscription) -> None:
        """The effect and the inbox record in one transaction; a known event id is skipped."""
        try:
            async with self.write_transaction() as session:
                seen = await session.scalar(
                    select(self.inbox.c.event_id).where(self.inbox.c.consumer == self.name, self.inbox.c.event_id == envelope.id)
                )
                if seen is not None:
                    EVENTS_DUPLICATE.labels(self.name).inc()
                    return
                await session.execute(
                    insert(self.inbox).values(
                        consumer=self.name, event_id=envelope.id, event_type=envelope.type, processed_at=datetime.now(UTC)
                    )
                )
                await subscription.handler(session, envelope.open(subscription.contract))
        except IntegrityError:
            # Another instance applied the same event concurrently (PostgreSQL); this one rolled back.
            if await self._already_applied(envelope.id):
                EVENTS_DUPLICATE.labels(self.name).inc()
                return
            raise
        EVENTS_CONSUMED.labels(self.name, envelope.type).inc()

    async def purge_old_inbox_entries(self) -> None:
        """Forget event ids older than INBOX_RETENTION: far beyond the 7 days a relay may republish."""
        cutoff = datetime.now(UTC) - INBOX_RETENTION
        async with self.write_transaction() as session:
            await session.execute(delete(self.inbox).where(self.inbox.c.consumer == self.name, self.inbox.c.processed_at < cutoff))

    async def _already_applied(self, event_id: str) -> bool:
        async with self.write_transaction() as session:
            found = await session.scalar(
                select(self.inbox.c.event_id).where(self.inbox.c.consumer == self.name, self.inbox.c.event_id == event_id)
            )
        return found is not None

    async def dead_letter(self, record: ConsumerRecord, error: str) -> None:
        """Park a record on `<topic>.dlq` with the error, so the partition can move on."""
        assert self._dlq is not None
        headers = list(record.headers or ()) + [
            ("dlq_error", error[:2000].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        await self._dlq.send_and_wait(dlq_topic(record.topic), record.value, key=record.key, headers=headers)
        EVENTS_DEAD_LETTERED.labels(self.name, record.topic).inc()


class _Assignment(ConsumerRebalanceListener):
    """Notes that the group gave this consumer its share of partitions (possibly none)."""

    def __init__(self) -> None:
        self.done = asyncio.Event()

    async def on_partitions_revoked(self, revoked: object) -> None:
        return None

    async def on_partitions_assigned(self, assigned: object) -> None:
        self.done.set()


async def _read_to_the_end(consumer: AIOKafkaConsumer) -> bool:
    """Whether every assigned partition has been read up to the high watermark its last fetch reported."""
    for partition in consumer.assignment():
        end = consumer.highwater(partition)
        if end is None or await consumer.position(partition) < end:
            return False
    return True
