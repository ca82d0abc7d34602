"""Event-flow tools for ops: dead letters (list, show, replay, discard), outbox backlog and
re-publish, consumer lag. Every action that changes something is written to `ops_audit` in the
same transaction as its effect, and logged, with the ops principal's subject as the actor.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from eventing.consumer import DISCARDED, PENDING, REPLAYED, InboxConsumer, Subscription
from eventing.envelope import Envelope
from eventing.relay import SessionFactory

log = logging.getLogger("eventing.ops")

# A replay-all request applies at most this many entries; the caller asks again for the rest.
REPLAY_BATCH = 100
# A re-publish covers at most this many outbox ids at once (a mistyped range cannot flood the topic).
REPUBLISH_MAX_IDS = 10_000


class OpsRefusal(Exception):
    """An ops request that cannot be done as asked: `code` is the problem code, `status` its HTTP status."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class DeadLetter:
    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str | None
    event_type: str | None
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    status: str
    acted_by: str | None
    acted_at: datetime | None
    reason: str | None
    envelope: dict[str, Any] | str | None = None  # parsed when it is JSON; only in `show`


@dataclass(frozen=True)
class ReplayOutcome:
    """`applied`: the effect happened now; `already_applied`: the inbox knew the event (no effect)."""

    id: int
    outcome: str
    dead_letter: DeadLetter


@dataclass(frozen=True)
class TopicBacklog:
    topic: str
    pending: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float
    first_pending_id: int | None
    last_pending_id: int | None


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_pending_age_seconds: float
    retained: int
    first_id: int | None
    last_id: int | None
    topics: list[TopicBacklog] = field(default_factory=list)


@dataclass(frozen=True)
class PartitionLag:
    consumer: str
    topic: str
    partition: int
    position: int
    high_watermark: int
    lag: int
    member: str
    updated_at: datetime
    age_seconds: float


class EventOps:
    """One service's event-flow tools, over its own database."""

    def __init__(
        self,
        service: str,
        read_session: SessionFactory,
        write_transaction: SessionFactory,
        audit: Table,
        outbox: Table | None = None,
        consumer: InboxConsumer | None = None,
    ) -> None:
        self.service = service
        self.read_session = read_session
        self.write_transaction = write_transaction
        self.audit = audit
        self.outbox = outbox
        self.consumer = consumer

    # --- dead letters -------------------------------------------------------------------------

    def _dead_letters(self) -> Table:
        if self.consumer is None or self.consumer.dead_letters is None:
            raise OpsRefusal(404, "not_found", f"The {self.service} service consumes no events, so it has no dead letters.")
        return self.consumer.dead_letters

    async def list_dead_letters(self, status: str | None, after_id: int | None, limit: int) -> list[DeadLetter]:
        """Oldest first, by id; `limit` rows (the caller asks one more to know whether a page follows)."""
        table = self._dead_letters()
        query = select(table).where(table.c.consumer == self._consumer_name()).order_by(table.c.id).limit(limit)
        if status is not None:
            query = query.where(table.c.status == status)
        if after_id is not None:
            query = query.where(table.c.id > after_id)
        async with self.read_session() as session:
            rows = (await session.execute(query)).mappings().all()
        return [_dead_letter(row) for row in rows]

    async def dead_letter(self, dead_letter_id: int) -> DeadLetter:
        async with self.read_session() as session:
            return await self._load(session, dead_letter_id, with_envelope=True)

    async def replay(self, dead_letter_id: int, actor: str) -> ReplayOutcome:
        """Apply a parked event through the inbox, in one transaction with its status change.

        An event the inbox already knows is not applied again (outcome `already_applied`). If the
        handler fails again, nothing changes but the entry's attempts and error, and the refusal
        says why (`replay_failed`); the entry stays pending.
        """
        consumer = self._replayer()
        started = time.perf_counter()
        envelope: Envelope | None = None
        try:
            async with self.write_transaction() as session:
                entry = await self._load(session, dead_letter_id, with_envelope=True)
                envelope, subscription = self._parse(entry)
                await self._settle(session, entry, REPLAYED, actor)
                applied = await consumer.apply_in(session, envelope, subscription)
                outcome = "applied" if applied else "already_applied"
                await self._record(session, actor, "dlq.replay", f"dead_letter:{dead_letter_id}", None, outcome)
        except OpsRefusal:
            raise
        except Exception as exc:
            # An IntegrityError: either the same event was applied at this moment by the consumer or
            # another replay (the inbox row won), or the effect broke a constraint: only the inbox can tell which.
            if isinstance(exc, IntegrityError) and envelope is not None and await consumer.already_applied(envelope.id):
                return await self._replayed_already_applied(dead_letter_id, actor)
            await self._replay_failed(dead_letter_id, actor, exc)
            raise OpsRefusal(409, "replay_failed", f"The handler failed again: {type(exc).__name__}: {exc}") from exc
        if applied:
            consumer.applied(envelope, started)
        return ReplayOutcome(dead_letter_id, outcome, await self.dead_letter(dead_letter_id))

    async def replay_pending(self, actor: str, limit: int = REPLAY_BATCH) -> tuple[list[ReplayOutcome | OpsRefusal], int]:
        """Replay up to `limit` pending entries, oldest first; returns each outcome and how many stay pending."""
        outcomes: list[ReplayOutcome | OpsRefusal] = []
        for entry in await self.list_dead_letters(PENDING, None, limit):
            try:
                outcomes.append(await self.replay(entry.id, actor))
            except OpsRefusal as refusal:
                refusal.detail = f"dead letter {entry.id}: {refusal.detail}"
                outcomes.append(refusal)
        return outcomes, await self.pending_count()

    async def discard(self, dead_letter_id: int, actor: str, reason: str) -> DeadLetter:
        """Drop a parked event on purpose, with the reason kept; it will never be applied by a replay."""
        async with self.write_transaction() as session:
            await self._settle(session, await self._load(session, dead_letter_id), DISCARDED, actor, reason)
            await self._record(session, actor, "dlq.discard", f"dead_letter:{dead_letter_id}", reason, "discarded")
        return await self.dead_letter(dead_letter_id)

    async def pending_count(self) -> int:
        table = self._dead_letters()
        async with self.read_session() as session:
            query = select(func.count()).select_from(table).where(table.c.consumer == self._consumer_name(), table.c.status == PENDING)
            return int(await session.scalar(query) or 0)

    # --- outbox -------------------------------------------------------------------------------

    def _outbox(self) -> Table:
        if self.outbox is None:
            raise OpsRefusal(404, "not_found", f"The {self.service} service publishes no events.")
        return self.outbox

    async def backlog(self) -> Backlog:
        """What waits to be published, per topic, and the id range kept for re-publishing."""
        table, now = self._outbox(), datetime.now(UTC)
        pending = table.c.published_at.is_(None)
        async with self.read_session() as session:
            per_topic = (
                await session.execute(
                    select(table.c.topic, func.count(), func.min(table.c.created_at), func.min(table.c.id), func.max(table.c.id))
                    .where(pending).group_by(table.c.topic).order_by(table.c.topic)
                )
            ).all()
            retained, first_id, last_id = (await session.execute(select(func.count(), func.min(table.c.id), func.max(table.c.id)))).one()
        topics = [
            TopicBacklog(topic, count, _utc(oldest), _age(oldest, now), low, high) for topic, count, oldest, low, high in per_topic
        ]
        return Backlog(
            pending=sum(t.pending for t in topics),
            oldest_pending_age_seconds=max((t.oldest_pending_age_seconds for t in topics), default=0.0),
            retained=int(retained or 0), first_id=first_id, last_id=last_id, topics=topics,
        )

    async def republish(self, first_id: int, last_id: int, actor: str) -> int:
        """Mark outbox ids first..last unpublished, so the relay sends them again (consumers drop the copies by event id)."""
        table = self._outbox()
        if last_id < first_id:
            raise OpsRefusal(422, "validation_error", "last_id must not be below first_id.")
        if last_id - first_id + 1 > REPUBLISH_MAX_IDS:
            raise OpsRefusal(422, "validation_error", f"At most {REPUBLISH_MAX_IDS} outbox ids at once.")
        async with self.write_transaction() as session:
            result = await session.execute(
                update(table).where(table.c.id >= first_id, table.c.id <= last_id, table.c.published_at.is_not(None)).values(published_at=None)
            )
            count = int(getattr(result, "rowcount", 0) or 0)
            await self._record(session, actor, "outbox.republish", f"outbox:{first_id}-{last_id}", None, f"{count} marked unpublished")
        return count

    # --- consumers ----------------------------------------------------------------------------

    async def lag(self) -> list[PartitionLag]:
        """Each partition's lag as the worker consuming it last recorded it (every few seconds)."""
        if self.consumer is None or self.consumer.positions is None:
            return []
        table, now = self.consumer.positions, datetime.now(UTC)
        async with self.read_session() as session:
            rows = (
                await session.execute(select(table).where(table.c.consumer == self.consumer.name).order_by(table.c.topic, table.c.partition))
            ).mappings().all()
        return [
            PartitionLag(
                row["consumer"], row["topic"], row["partition"], row["position"], row["high_watermark"],
                max(0, row["high_watermark"] - row["position"]), row["member"], _utc(row["updated_at"]) or now, _age(row["updated_at"], now),
            )
            for row in rows
        ]

    # --- helpers ------------------------------------------------------------------------------

    def _consumer_name(self) -> str:
        assert self.consumer is not None
        return self.consumer.name

    def _replayer(self) -> InboxConsumer:
        self._dead_letters()
        assert self.consumer is not None
        return self.consumer

    async def _load(self, session: AsyncSession, dead_letter_id: int, with_envelope: bool = False) -> DeadLetter:
        table = self._dead_letters()
        row = (
            await session.execute(select(table).where(table.c.id == dead_letter_id, table.c.consumer == self._consumer_name()))
        ).mappings().first()
        if row is None:
            raise OpsRefusal(404, "not_found", f"No dead letter {dead_letter_id} in {self.service}.")
        return _dead_letter(row, with_envelope)

    def _parse(self, entry: DeadLetter) -> tuple[Envelope, Subscription]:
        if entry.status != PENDING:
            raise _not_pending(entry)
        consumer = self._replayer()
        try:
            envelope = Envelope.from_bytes(entry.envelope.encode()) if isinstance(entry.envelope, str) else None
        except ValueError:
            envelope = None
        if envelope is None:
            raise OpsRefusal(409, "not_replayable", "This record is not a readable event; it can only be discarded.")
        subscription = consumer.subscriptions.get(envelope.type)
        if subscription is None:
            raise OpsRefusal(409, "not_replayable", f"{self.service} no longer handles {envelope.type}; discard it.")
        return envelope, subscription

    async def _replay_failed(self, dead_letter_id: int, actor: str, error: Exception) -> None:
        table = self._dead_letters()
        message = f"{type(error).__name__}: {error}"
        async with self.write_transaction() as session:
            await session.execute(
                update(table)
                .where(table.c.id == dead_letter_id)
                .values(attempts=table.c.attempts + 1, last_failed_at=datetime.now(UTC), error=message[:4000])
            )
            await self._record(session, actor, "dlq.replay", f"dead_letter:{dead_letter_id}", None, f"failed: {message}"[:4000])

    async def _replayed_already_applied(self, dead_letter_id: int, actor: str) -> ReplayOutcome:
        async with self.write_transaction() as session:
            await self._settle(session, await self._load(session, dead_letter_id), REPLAYED, actor)
            await self._record(session, actor, "dlq.replay", f"dead_letter:{dead_letter_id}", None, "already_applied")
        return ReplayOutcome(dead_letter_id, "already_applied", await self.dead_letter(dead_letter_id))

    async def _settle(self, session: AsyncSession, entry: DeadLetter, status: str, actor: str, reason: str | None = None) -> None:
        """Move a pending entry to `status`; refused (dead_letter_not_pending) if someone acted first."""
        table = self._dead_letters()
        changed = await session.execute(
            update(table)
            .where(table.c.id == entry.id, table.c.status == PENDING)
            .values(status=status, acted_by=actor, acted_at=datetime.now(UTC), reason=reason)
        )
        if getattr(changed, "rowcount", 1) != 1:
            raise _not_pending(entry)

    async def _record(self, session: AsyncSession, actor: str, action: str, target: str, reason: str | None, outcome: str) -> None:
        """The audit row, in the action's own transaction, and the log line."""
        await session.execute(
            insert(self.audit).values(at=datetime.now(UTC), actor=actor, action=action, target=target, reason=reason, outcome=outcome)
        )
        log.info(
            "ops action %s on %s by %s: %s", action, target, actor, outcome,
            extra={"actor": actor, "action": action, "target": target, "reason": reason, "outcome": outcome, "service": self.service},
        )


def _not_pending(entry: DeadLetter) -> OpsRefusal:
    by = f" by {entry.acted_by}" if entry.acted_by else ""
    return OpsRefusal(409, "dead_letter_not_pending", f"Dead letter {entry.id} was already {entry.status}{by}.")


def _dead_letter(row: Any, with_envelope: bool = False) -> DeadLetter:
    envelope: dict[str, Any] | str | None = None
    if with_envelope:
        envelope = row["envelope"]
    return DeadLetter(
        id=row["id"], consumer=row["consumer"], topic=row["topic"], partition=row["partition"], offset=row["offset"], key=row["key"],
        event_id=row["event_id"], event_type=row["event_type"], error=row["error"], attempts=row["attempts"],
        first_failed_at=_utc(row["first_failed_at"]) or datetime.now(UTC), last_failed_at=_utc(row["last_failed_at"]) or datetime.now(UTC),
        status=row["status"], acted_by=row["acted_by"], acted_at=_utc(row["acted_at"]), reason=row["reason"], envelope=envelope,
    )


def parsed_envelope(entry: DeadLetter) -> dict[str, Any] | str | None:
    """The stored envelope as JSON when it is JSON (what ops reads), else the raw text."""
    if not isinstance(entry.envelope, str):
        return entry.envelope
    try:
        document = orjson.loads(entry.envelope)
    except orjson.JSONDecodeError:
        return entry.envelope
    return document if isinstance(document, dict) else entry.envelope


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite returns UTC without the zone


def _age(moment: datetime | None, now: datetime) -> float:
    aware = _utc(moment)
    return 0.0 if aware is None else max(0.0, (now - aware).total_seconds())
