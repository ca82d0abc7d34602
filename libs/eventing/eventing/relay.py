"""The outbox relay: publishes committed events in order, marks them, and keeps them 7 days."""

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import orjson
from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from eventing.envelope import TRACE_ATTRIBUTES, kafka_headers
from eventing.kafka import KafkaSettings, ensure_topics, new_producer, start_when_up
from eventing.metrics import EVENTS_PUBLISHED, OUTBOX_OLDEST_PENDING_AGE, OUTBOX_PENDING
from eventing.outbox import Outbox, outbox_channel
from eventing.tracing import publishing

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger("eventing.relay")

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def epoch_marker(topic: str) -> str:
    """A topic only the relay creates: finding it missing means the broker lost its topics."""
    return f"{topic}.relay-epoch"


class OutboxRelay:
    """Moves outbox rows to Kafka.

    On PostgreSQL several replicas may run: a transaction-scoped advisory lock lets one publish at a
    time, which keeps each aggregate's events in order. On SQLite there is one process per database.

    It publishes when woken, else every `poll_seconds`. A commit in its own process wakes it; on
    PostgreSQL it also LISTENs on the outbox's channel (a connection of its own), so a commit in any
    process wakes it (`Outbox.add` sends the NOTIFY). The poll stays as the fallback for a lost
    notification or a dropped listening connection, which housekeeping opens again.
    """

    def __init__(
        self,
        outbox: Outbox,
        topic: str,
        kafka: KafkaSettings,
        read_session: SessionFactory,
        write_transaction: SessionFactory,
        is_postgres: bool,
        poll_seconds: float = 0.5,
        epoch_check_seconds: float = 5.0,
        retention: timedelta = timedelta(days=7),
        batch_size: int = 200,
    ) -> None:
        self.table = outbox.table
        self.source = outbox.source
        self.topic = topic
        self.kafka = kafka
        self.read_session = read_session
        self.write_transaction = write_transaction
        self.is_postgres = is_postgres
        self.poll_seconds = poll_seconds
        self.epoch_check_seconds = epoch_check_seconds
        self.retention = retention
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._listener: asyncpg.Connection | None = None
        self._stopping = False
        outbox.on_commit(self.wake)

    def stop(self) -> None:
        """Finish the batch in hand (published and marked), then return from run() with the producer flushed."""
        self._stopping = True
        self.wake()

    def wake(self) -> None:
        """Publish now rather than at the next poll (called after a commit that wrote events)."""
        try:
            self._wake.set()
        except RuntimeError:  # committed from another thread or loop; the poll catches it
            pass

    async def run(self) -> None:
        """Publish until stop() or cancellation."""
        await self.republish_if_broker_is_new()
        self._producer = new_producer(self.kafka)
        await start_when_up(self._producer, self.kafka.retry_seconds)
        loop = asyncio.get_running_loop()
        next_check = loop.time() + self.epoch_check_seconds
        try:
            await self._listen()
            while not self._stopping:
                try:
                    published = await self.publish_pending()
                except Exception:
                    log.exception("publishing failed; will check the broker and retry")
                    await asyncio.sleep(self.kafka.retry_seconds)
                    next_check = 0.0
                    published = 0
                if loop.time() >= next_check:
                    await self._housekeeping()
                    next_check = loop.time() + self.epoch_check_seconds
                if published < self.batch_size and not self._stopping:
                    try:
                        await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                    except TimeoutError:
                        pass
                    self._wake.clear()
        finally:
            await self._producer.stop()
            if self._listener is not None:
                self._listener.terminate()  # a LISTEN holds no transaction: nothing to finish

    async def _listen(self) -> None:
        """PostgreSQL: LISTEN on the outbox's channel, so another process's commit wakes this relay."""
        if not self.is_postgres or (self._listener is not None and not self._listener.is_closed()):
            return
        import asyncpg  # PostgreSQL's driver; a SQLite-only service need not have it

        try:
            async with self.read_session() as session:
                url = (await session.connection()).engine.url
            self._listener = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
            await self._listener.add_listener(outbox_channel(self.source), self._notified)
            self.wake()  # anything committed before the LISTEN took hold
        except Exception:
            log.warning("cannot listen for outbox notifications; polling every %ss until it can", self.poll_seconds, exc_info=True)
            if self._listener is not None:
                self._listener.terminate()
            self._listener = None

    def _notified(self, *_notification: object) -> None:
        self.wake()

    async def _housekeeping(self) -> None:
        await self._listen()
        try:
            await self.republish_if_broker_is_new()
            await self.purge_expired()
            await self.measure_pending()
        except Exception:
            log.exception("relay housekeeping failed")

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events in id order; returns how many."""
        if self.is_postgres:
            async with self.write_transaction() as session:
                locked = await session.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": f"relay:{self.source}"})
                if not locked:
                    return 0
                rows = await self._pending(session)
                await self._send(rows)
                await self._mark_published(session, [row.id for row in rows])
            return len(rows)
        # SQLite: never hold the single write lock while waiting on the broker.
        async with self.read_session() as session:
            rows = await self._pending(session)
        if rows:
            await self._send(rows)
            async with self.write_transaction() as session:
                await self._mark_published(session, [row.id for row in rows])
        return len(rows)

    async def _pending(self, session: AsyncSession) -> list:
        t = self.table
        result = await session.execute(
            select(t.c.id, t.c.topic, t.c.key, t.c.envelope, t.c.type, t.c.event_id)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.id)
            .limit(self.batch_size)
        )
        return list(result.all())

    async def _send(self, rows: list) -> None:
        assert self._producer is not None
        # Sent in id order; the producer keeps one batch in flight per partition, so order holds.
        # CloudEvents Kafka binding, structured mode: the value is the whole envelope as stored.
        futures = []
        for row in rows:
            trace = _trace_context(row.envelope)
            with publishing(row.topic, row.type, row.event_id, row.key, trace):
                headers = kafka_headers(row.type, row.event_id, row.key, trace)
                futures.append(await self._producer.send(row.topic, row.envelope.encode(), key=row.key.encode(), headers=headers))
        await asyncio.gather(*futures)
        EVENTS_PUBLISHED.labels(self.source).inc(len(rows))

    async def _mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        if ids:
            await session.execute(update(self.table).where(self.table.c.id.in_(ids)).values(published_at=datetime.now(UTC)))

    async def republish_if_broker_is_new(self) -> bool:
        """If the broker lost its topics (an in-memory broker restarted), publish the retained events again."""
        created = await ensure_topics(self.kafka, {self.topic: self.kafka.partitions, epoch_marker(self.topic): 1})
        if epoch_marker(self.topic) not in created:
            return False
        since = datetime.now(UTC) - self.retention
        async with self.write_transaction() as session:
            result = await session.execute(
                update(self.table)
                .where(self.table.c.topic == self.topic, self.table.c.created_at >= since, self.table.c.published_at.is_not(None))
                .values(published_at=None)
            )
        log.info("broker has no record of our topic; republishing retained events", extra={"count": getattr(result, "rowcount", None)})
        self.wake()
        return True

    async def purge_expired(self) -> None:
        """Drop published events older than the retention period."""
        cutoff = datetime.now(UTC) - self.retention
        async with self.write_transaction() as session:
            await session.execute(delete(self.table).where(self.table.c.published_at < cutoff))

    async def measure_pending(self) -> int:
        """Backlog and the age of its oldest event, for the gauges (on the housekeeping tick)."""
        async with self.read_session() as session:
            row = (
                await session.execute(
                    select(func.count(), func.min(self.table.c.created_at)).select_from(self.table).where(self.table.c.published_at.is_(None))
                )
            ).one()
        count, oldest = row[0] or 0, row[1]
        OUTBOX_PENDING.labels(self.source).set(count)
        OUTBOX_OLDEST_PENDING_AGE.labels(self.source).set(_age_seconds(oldest))
        return count


def _age_seconds(since: datetime | None) -> float:
    if since is None:
        return 0.0
    if since.tzinfo is None:  # SQLite hands timestamps back without their zone; they are UTC
        since = since.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - since).total_seconds())


def _trace_context(envelope: str) -> dict[str, str]:
    """The tracing extension of a stored envelope; only parsed when the text mentions one."""
    if "traceparent" not in envelope:
        return {}
    document = orjson.loads(envelope)
    return {name: document[name] for name in TRACE_ATTRIBUTES if isinstance(document.get(name), str)}
