"""An inbox-checked consumer: each event's effect happens once, however often it is delivered."""

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.structs import ConsumerRecord, TopicPartition
from sqlalchemy import Table, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from contracts.base import Event
from eventing.envelope import Envelope
from eventing.kafka import KafkaSettings, ensure_topics, new_consumer, new_producer, start_when_up
from eventing.metrics import (
    CONSUMER_LAG,
    DEAD_LETTERS_PENDING,
    DELIVERY_LATENCY,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_DUPLICATE,
    HANDLER_DURATION,
)
from eventing.relay import SessionFactory
from eventing.tracing import processing

log = logging.getLogger("eventing.consumer")

Handler = Callable[[AsyncSession, Event], Awaitable[None]]

# Errors that say "the database is not there right now", not "this event is bad": waited out for up
# to `database_wait_seconds`, then the consumer gives its partitions up (DatabaseUnavailable).
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, OSError, TimeoutError)

# Dead-letter statuses: parked and waiting for ops, applied by a replay, or dropped with a reason.
PENDING, REPLAYED, DISCARDED = "pending", "replayed", "discarded"


class DatabaseUnavailable(Exception):
    """The database did not answer within the consumer's bound; nothing was applied or parked.

    run() ends with it: the worker's supervisor starts the consumer again a second later, from the
    committed offset, so the event is not lost; meanwhile /health shows the database down.
    """


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

    The offset is committed only after that transaction. A failing event is tried `max_attempts`
    times with exponential backoff and jitter, then parked: a row in `dead_letters` (when the
    service has that table) or else a record on `<topic>.dlq`, and the partition moves on.
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
        dead_letters: Table | None = None,
        positions: Table | None = None,
        database_wait_seconds: float = 30.0,
        housekeeping_seconds: float = 5.0,
    ) -> None:
        self.name = name
        self.subscriptions = subscriptions
        self.topics = sorted({sub.contract.TOPIC for sub in subscriptions.values()})
        self.inbox = inbox
        # Built once: constructing a statement costs more than running it on SQLite (docs/performance.md).
        self._inbox_holds = select(inbox.c.event_id).where(inbox.c.consumer == bindparam("consumer"), inbox.c.event_id == bindparam("event_id"))
        self._inbox_add = insert(inbox)
        self.write_transaction = write_transaction
        self.kafka = kafka
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.dead_letters = dead_letters
        self.positions = positions
        self.database_wait_seconds = database_wait_seconds
        self.housekeeping_seconds = housekeeping_seconds
        self.member = f"{socket.gethostname()}:{os.getpid()}"
        self._dlq: AIOKafkaProducer | None = None
        self._lag_labels: set[tuple[str, str]] = set()
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
        """Consume until stop() or cancellation (or DatabaseUnavailable, which the supervisor restarts)."""
        wanted = {topic: self.kafka.partitions for topic in self.topics}
        if self.dead_letters is None:
            wanted |= {dlq_topic(topic): 1 for topic in self.topics}
        await ensure_topics(self.kafka, wanted)
        if self.dead_letters is None:
            self._dlq = new_producer(self.kafka)
            await start_when_up(self._dlq, self.kafka.retry_seconds)
        consumer = new_consumer(self.kafka, self.name)
        assignment = _Assignment()
        consumer.subscribe(self.topics, listener=assignment)
        await start_when_up(consumer, self.kafka.retry_seconds)
        loop = asyncio.get_running_loop()
        next_purge = loop.time()
        next_housekeeping = loop.time() + self.housekeeping_seconds
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
                        # On SQLite a transaction runs in place (servicekit/sqlite_inline.py): without this
                        # turn a batch of events would hold the event loop, and this process's requests, for its whole length.
                        await asyncio.sleep(0)
                    if applied is not None:
                        await consumer.commit({partition: applied.offset + 1})
                if not self.caught_up and assignment.done.is_set() and not self._stopping.is_set():
                    self.caught_up = await _read_to_the_end(consumer)
                if loop.time() >= next_housekeeping:
                    await self._housekeeping(consumer)
                    next_housekeeping = loop.time() + self.housekeeping_seconds
        finally:
            await consumer.stop()  # leaves the group: its partitions move to the other workers now
            if self._dlq is not None:
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
        """Apply one record once, or park it after bounded retries."""
        try:
            envelope = Envelope.from_bytes(record.value)
        except ValueError as exc:
            await self._park(record, None, f"malformed envelope: {exc}", 1)
            return
        subscription = self.subscriptions.get(envelope.type)
        if subscription is None:
            return  # an event type this consumer has no interest in
        with processing(self.name, record.topic, record.partition, record.offset, record.key, envelope, record.headers):
            failure, attempts = await self._apply_with_retries(envelope, subscription)
        if failure is not None:
            log.error(
                "event failed %s times; parking it", attempts,
                extra={"event_id": envelope.id, "event_type": envelope.type, "error": _describe(failure)},
            )
            await self._park(record, envelope, _describe(failure), attempts)

    async def _apply_with_retries(self, envelope: Envelope, subscription: Subscription) -> tuple[Exception | None, int]:
        """Apply under the retry policy (`_retrying`). Returns the failure that made it give up (None
        once applied) and the attempts made; an unreachable database ends in DatabaseUnavailable."""
        retrying = self._retrying(envelope.id, self.max_attempts)
        try:
            await retrying(self.apply, envelope, subscription)
        except TRANSIENT as exc:
            raise DatabaseUnavailable(f"database unreachable for {self.database_wait_seconds:.0f} s: {exc}") from exc
        except Exception as exc:
            return exc, retrying.statistics.get("attempt_number", 1)
        return None, retrying.statistics.get("attempt_number", 1)

    def _retrying(self, event_id: str | None, event_attempts: int | None) -> AsyncRetrying:
        """The consumer's two retry bounds (tenacity): an unreachable database is waited out for up to
        `database_wait_seconds`, a second apart (the event is not at fault; a stopping worker does not
        wait); any other failure is tried `event_attempts` times in all (None: once) with exponential
        backoff and jitter. The last error is re-raised when it gives up."""
        failures = 0
        database_away_since: float | None = None

        def give_up(state: RetryCallState) -> bool:
            nonlocal failures, database_away_since
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, TRANSIENT):
                now = time.monotonic()
                database_away_since = now if database_away_since is None else database_away_since
                if now - database_away_since >= self.database_wait_seconds or self._stopping.is_set():
                    return True
                log.warning("database unavailable; retrying event", extra={"event_id": event_id, "error": str(error)})
                return False
            failures += 1
            return event_attempts is None or failures >= event_attempts

        def pause(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.kafka.retry_seconds if isinstance(error, TRANSIENT) else self.backoff(failures)

        return AsyncRetrying(stop=give_up, wait=pause, retry=retry_if_exception_type(Exception), reraise=True)

    def backoff(self, failures: int) -> float:
        """The pause after the n-th failure: backoff_seconds · 2^(n-1), with jitter (×0.5 to ×1.0)."""
        return self.backoff_seconds * 2 ** (failures - 1) * random.uniform(0.5, 1.0)

    async def apply(self, envelope: Envelope, subscription: Subscription) -> None:
        """The effect and the inbox record in one transaction; a known event id is skipped."""
        started = time.perf_counter()
        try:
            async with self.write_transaction() as session:
                applied = await self.apply_in(session, envelope, subscription)
        except IntegrityError:
            # Another instance applied the same event concurrently (PostgreSQL); this one rolled back.
            if await self.already_applied(envelope.id):
                EVENTS_DUPLICATE.labels(self.name).inc()
                return
            raise
        if applied:
            self.applied(envelope, started)
        else:
            EVENTS_DUPLICATE.labels(self.name).inc()

    async def apply_in(self, session: AsyncSession, envelope: Envelope, subscription: Subscription) -> bool:
        """Inside the caller's transaction: the inbox check, the inbox row and the effect. False: seen before."""
        if await session.scalar(self._inbox_holds, {"consumer": self.name, "event_id": envelope.id}) is not None:
            return False
        await session.execute(self._inbox_add, {"consumer": self.name, "event_id": envelope.id, "event_type": envelope.type, "processed_at": datetime.now(UTC)})
        await subscription.handler(session, envelope.open(subscription.contract))
        return True

    def applied(self, envelope: Envelope, started: float) -> None:
        """Count a committed effect: handler duration, and latency from the event's time to now."""
        EVENTS_CONSUMED.labels(self.name, envelope.type).inc()
        HANDLER_DURATION.labels(self.name, envelope.type).observe(time.perf_counter() - started)
        event_time = envelope.time if envelope.time.tzinfo else envelope.time.replace(tzinfo=UTC)
        DELIVERY_LATENCY.labels(self.name, envelope.type).observe(max(0.0, (datetime.now(UTC) - event_time).total_seconds()))

    async def purge_old_inbox_entries(self) -> None:
        """Forget event ids older than INBOX_RETENTION: far beyond the 7 days a relay may republish."""
        cutoff = datetime.now(UTC) - INBOX_RETENTION
        async with self.write_transaction() as session:
            await session.execute(delete(self.inbox).where(self.inbox.c.consumer == self.name, self.inbox.c.processed_at < cutoff))

    async def already_applied(self, event_id: str) -> bool:
        """Whether the inbox holds this event id (applied by any member of this consumer group)."""
        async with self.write_transaction() as session:
            found = await session.scalar(self._inbox_holds, {"consumer": self.name, "event_id": event_id})
        return found is not None

    async def _park(self, record: ConsumerRecord, envelope: Envelope | None, error: str, attempts: int) -> None:
        """Park a record so its partition can move on: in `dead_letters`, else on `<topic>.dlq`."""
        if self.dead_letters is None:
            await self.dead_letter(record, error)
            return
        try:
            await self._retrying(envelope.id if envelope else None, None)(self._park_in_table, record, envelope, error, attempts)
        except TRANSIENT as exc:
            raise DatabaseUnavailable(f"database unreachable for {self.database_wait_seconds:.0f} s: {exc}") from exc
        EVENTS_DEAD_LETTERED.labels(self.name, record.topic).inc()

    async def _park_in_table(self, record: ConsumerRecord, envelope: Envelope | None, error: str, attempts: int) -> None:
        table = self.dead_letters
        assert table is not None
        now = datetime.now(UTC)
        where = (table.c.consumer == self.name, table.c.topic == record.topic, table.c.partition == record.partition, table.c.offset == record.offset)
        try:
            async with self.write_transaction() as session:
                if await session.scalar(select(table.c.id).where(*where)) is not None:
                    return  # parked before; this is a redelivery of the same record
                await session.execute(
                    insert(table).values(
                        consumer=self.name, topic=record.topic, partition=record.partition, offset=record.offset,
                        key=_storable((record.key or b"").decode(errors="replace")[:200]) or None,
                        event_id=envelope.id if envelope else None, event_type=envelope.type if envelope else None,
                        envelope=_storable((record.value or b"").decode(errors="replace")), error=_storable(error[:4000]), attempts=attempts,
                        first_failed_at=now, last_failed_at=now, status=PENDING,
                    )
                )
        except IntegrityError:
            return  # another member parked the same record at the same moment

    async def dead_letter(self, record: ConsumerRecord, error: str) -> None:
        """Park a record on `<topic>.dlq` with the error (services without a dead_letters table)."""
        assert self._dlq is not None
        headers = list(record.headers or ()) + [
            ("dlq_error", error[:2000].encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        await self._dlq.send_and_wait(dlq_topic(record.topic), record.value, key=record.key, headers=headers)
        EVENTS_DEAD_LETTERED.labels(self.name, record.topic).inc()

    async def _housekeeping(self, consumer: AIOKafkaConsumer) -> None:
        """Lag per partition into the gauge and `consumer_positions`; the dead letters waiting for ops."""
        try:
            await self.record_positions(await self._positions(consumer))
            await self.measure_dead_letters()
        except Exception:
            log.exception("consumer housekeeping failed", extra={"consumer": self.name})

    async def _positions(self, consumer: AIOKafkaConsumer) -> list[tuple[TopicPartition, int, int]]:
        """(partition, position, high watermark) of every assigned partition a fetch has reported on."""
        found = []
        for partition in sorted(consumer.assignment()):
            end = consumer.highwater(partition)
            if end is None:
                continue
            position = await asyncio.wait_for(consumer.position(partition), 5)
            found.append((partition, position, end))
        return found

    async def record_positions(self, positions: list[tuple[TopicPartition, int, int]]) -> None:
        labels = set()
        for partition, position, end in positions:
            label = (partition.topic, str(partition.partition))
            CONSUMER_LAG.labels(self.name, *label).set(max(0, end - position))
            labels.add(label)
        for gone in self._lag_labels - labels:  # partitions that moved to another member report there
            with contextlib.suppress(KeyError):
                CONSUMER_LAG.remove(self.name, *gone)
        self._lag_labels = labels
        if self.positions is None or not positions:
            return
        table, now = self.positions, datetime.now(UTC)
        async with self.write_transaction() as session:
            for partition, position, end in positions:
                key = (table.c.consumer == self.name, table.c.topic == partition.topic, table.c.partition == partition.partition)
                await session.execute(delete(table).where(*key))
                await session.execute(
                    insert(table).values(
                        consumer=self.name, topic=partition.topic, partition=partition.partition, position=position,
                        high_watermark=end, member=self.member, updated_at=now,
                    )
                )

    async def measure_dead_letters(self) -> int:
        if self.dead_letters is None:
            return 0
        table = self.dead_letters
        async with self.write_transaction() as session:
            count = int(await session.scalar(select(func.count()).select_from(table).where(table.c.consumer == self.name, table.c.status == PENDING)) or 0)
        DEAD_LETTERS_PENDING.labels(self.name).set(count)
        return count


def _storable(text: str) -> str:
    """Text any database takes: PostgreSQL refuses NUL in text, and a malformed record may hold one."""
    return text.replace("\x00", "\ufffd")


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


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
