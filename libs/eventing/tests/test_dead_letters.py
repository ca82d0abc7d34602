"""Parking, bounded retries, replay through the inbox, discard, re-publish, lag and trace context,
against the real broker and SQLite or PostgreSQL."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from opentelemetry import context, trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from prometheus_client import REGISTRY
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from eventing.consumer import DatabaseUnavailable, InboxConsumer, subscription
from eventing.envelope import Envelope
from eventing.ops import EventOps, OpsRefusal
from eventing.tables import add_consumer_positions, add_dead_letters, add_ops_audit
from eventing.testing import eventually, read_to_end, running, running_broker
from eventing.tracing import current_trace_context

from .conftest import Plumbing, effects, inbox_table, outbox_table

ops_metadata = MetaData()
dead_letters = add_dead_letters(ops_metadata)
positions = add_consumer_positions(ops_metadata)
audit = add_ops_audit(ops_metadata)

POISON_SRP = 13  # the handler cannot apply an event with this SRP until the "data" is fixed
CONSTRAINT_SRP = 17  # its effect breaks a database constraint (as a unique or check constraint would)
CONSUMER = "ops-consumer"


@dataclass
class Flow:
    plumbing: Plumbing
    consumer: InboxConsumer
    ops: EventOps
    broken: set[int]
    traces: list[dict[str, str]]
    calls: list[float]

    async def add(self, srp: int, model: ModelUpserted) -> None:
        async with self.plumbing.db.transaction() as session:
            await self.plumbing.outbox.add(session, model.model_copy(update={"srp_paise": srp}))

    async def pending(self) -> list:
        return await self.ops.list_dead_letters("pending", None, 100)

    async def audit_rows(self) -> list:
        async with self.plumbing.db.reading() as session:
            return list((await session.execute(select(audit).order_by(audit.c.id))).mappings().all())


@pytest.fixture
async def flow(plumbing) -> AsyncIterator[Flow]:
    await plumbing.db.run_sync(ops_metadata.create_all)
    broken = {POISON_SRP}
    traces: list[dict[str, str]] = []
    calls: list[float] = []

    async def apply(session: AsyncSession, event: ModelUpserted) -> None:
        calls.append(time.monotonic())
        traces.append(current_trace_context())
        if event.srp_paise in broken and event.srp_paise == CONSTRAINT_SRP:
            raise IntegrityError("INSERT INTO effects", {}, Exception("CHECK constraint failed: srp_band"))
        if event.srp_paise in broken:
            raise LookupError(f"no price band for {event.srp_paise} paise")
        await session.execute(insert(effects).values(model_id=event.id, srp_paise=event.srp_paise))

    consumer = InboxConsumer(
        CONSUMER, {ModelUpserted.TYPE: subscription(ModelUpserted, apply)}, inbox_table, plumbing.db.transaction, plumbing.kafka,
        dead_letters=dead_letters, positions=positions, housekeeping_seconds=0.5,
    )
    ops = EventOps("catalog", plumbing.db.reading, plumbing.db.transaction, audit, outbox_table, consumer)
    with running_broker(plumbing.broker_port):
        yield Flow(plumbing, consumer, ops, broken, traces, calls)


async def test_a_poison_event_is_parked_after_three_quick_attempts_and_the_partition_moves_on(flow, sample_model) -> None:
    async with running(flow.plumbing.relay(), flow.consumer):
        await flow.add(POISON_SRP, sample_model())
        await flow.add(500, sample_model())  # same key, same partition: behind the poison event
        await eventually(lambda: flow.plumbing.settled(CONSUMER), what="both events handled")
        assert await flow.plumbing.effect_count(srp_paise=500) == 1
        assert await flow.plumbing.effect_count(srp_paise=POISON_SRP) == 0
        [parked] = await flow.pending()
        assert parked.attempts == 3 and parked.event_type == ModelUpserted.TYPE
        assert "LookupError: no price band for 13 paise" in parked.error
        assert parked.topic == "catalog.events" and parked.key == "redmi-9-prime-4gb-64gb"
        poison_calls = flow.calls[:3]
        assert poison_calls[-1] - poison_calls[0] < 2.0, "three attempts must fit the stated 2 s bound"
        gauge = lambda: REGISTRY.get_sample_value("dead_letters_pending", {"consumer": CONSUMER})  # noqa: E731
        await eventually(lambda: _async(gauge() == 1), what="the dead_letters_pending gauge to show the entry")


async def test_a_fixed_event_is_replayed_once_and_a_second_replay_changes_nothing(flow, sample_model) -> None:
    async with running(flow.plumbing.relay(), flow.consumer):
        await flow.add(POISON_SRP, sample_model())
        await eventually(lambda: _async_len(flow.pending(), 1), what="the event to be parked")
        [parked] = await flow.pending()
        with pytest.raises(OpsRefusal) as still_broken:
            await flow.ops.replay(parked.id, "ops-7")
        assert still_broken.value.code == "replay_failed"
        assert (await flow.ops.dead_letter(parked.id)).attempts == 4  # pending still, one more attempt noted

        flow.broken.clear()  # the missing data is provided
        outcome = await flow.ops.replay(parked.id, "ops-7")
        assert outcome.outcome == "applied" and outcome.dead_letter.status == "replayed" and outcome.dead_letter.acted_by == "ops-7"
        assert await flow.plumbing.effect_count(srp_paise=POISON_SRP) == 1
        with pytest.raises(OpsRefusal) as again:
            await flow.ops.replay(parked.id, "ops-8")
        assert again.value.code == "dead_letter_not_pending" and "ops-7" in again.value.detail
        assert await flow.plumbing.effect_count(srp_paise=POISON_SRP) == 1
        actions = [(row["actor"], row["action"], row["outcome"]) for row in await flow.audit_rows()]
        assert actions[0][:2] == ("ops-7", "dlq.replay") and actions[0][2].startswith("failed: LookupError")
        assert actions[1] == ("ops-7", "dlq.replay", "applied")


async def test_a_constraint_the_effect_breaks_is_a_failed_replay_not_a_duplicate(flow, sample_model) -> None:
    flow.broken.add(CONSTRAINT_SRP)
    async with running(flow.plumbing.relay(), flow.consumer):
        await flow.add(CONSTRAINT_SRP, sample_model())
        await eventually(lambda: _async_len(flow.pending(), 1), what="the event to be parked")
        [parked] = await flow.pending()
        assert "IntegrityError" in parked.error and parked.attempts == 3
        with pytest.raises(OpsRefusal) as refused:
            await flow.ops.replay(parked.id, "ops-7")
        assert refused.value.code == "replay_failed"
        assert (await flow.ops.dead_letter(parked.id)).status == "pending"
        flow.broken.clear()
        assert (await flow.ops.replay(parked.id, "ops-7")).outcome == "applied"
        assert await flow.plumbing.effect_count(srp_paise=CONSTRAINT_SRP) == 1


async def test_replaying_an_event_the_inbox_already_applied_does_not_apply_it_twice(flow, sample_model) -> None:
    envelope = Envelope.wrap(sample_model(srp=POISON_SRP), "/catalog")
    async with running(flow.consumer):
        await _produce(flow, envelope.to_bytes())
        await eventually(lambda: _async_len(flow.pending(), 1), what="the event to be parked")
        flow.broken.clear()
        await _produce(flow, envelope.to_bytes())  # the same event delivered again, now applicable
        await eventually(lambda: _effects(flow, POISON_SRP, 1), what="the redelivered copy to take effect")
        [parked] = await flow.pending()
        outcome = await flow.ops.replay(parked.id, "ops-7")
        assert outcome.outcome == "already_applied"
        assert await flow.plumbing.effect_count(srp_paise=POISON_SRP) == 1


async def test_replay_all_and_discard(flow, sample_model) -> None:
    async with running(flow.consumer):
        await _produce(flow, b"{not an event\x00")  # NUL too: PostgreSQL text refuses it as such
        for srp in (POISON_SRP, POISON_SRP + 1):
            flow.broken.add(srp)
            await _produce(flow, Envelope.wrap(sample_model(srp=srp), "/catalog").to_bytes())
        await eventually(lambda: _async_len(flow.pending(), 3), what="three events to be parked")
        malformed, _first, second = await flow.pending()
        assert malformed.event_id is None and "malformed envelope" in malformed.error

        discarded = await flow.ops.discard(second.id, "ops-7", "test model withdrawn")
        assert discarded.status == "discarded" and discarded.reason == "test model withdrawn"
        flow.broken.clear()
        outcomes, remaining = await flow.ops.replay_pending("ops-7")
        assert [getattr(o, "code", getattr(o, "outcome", None)) for o in outcomes] == ["not_replayable", "applied"]
        assert remaining == 1  # the malformed record: it can only be discarded
        assert await flow.plumbing.effect_count(srp_paise=POISON_SRP) == 1
        assert await flow.plumbing.effect_count(srp_paise=POISON_SRP + 1) == 0
        with pytest.raises(OpsRefusal) as refused:
            await flow.ops.replay(second.id, "ops-7")
        assert refused.value.code == "dead_letter_not_pending"
        await flow.ops.discard(malformed.id, "ops-7", "not an event")
        assert await flow.ops.pending_count() == 0


async def test_republished_outbox_events_are_sent_again_and_dropped_by_the_inbox(flow, sample_model) -> None:
    async with running(flow.plumbing.relay(), flow.consumer):
        for srp in (101, 102, 103):
            await flow.add(srp, sample_model())
        await eventually(lambda: flow.plumbing.settled(CONSUMER), what="three events consumed")
        backlog = await flow.ops.backlog()
        assert backlog.pending == 0 and backlog.retained == 3
        assert backlog.first_id is not None and backlog.last_id is not None
        republished = await flow.ops.republish(backlog.first_id, backlog.last_id, "ops-7")
        assert republished == 3
        await eventually(lambda: _async_len(read_to_end(flow.plumbing.kafka.bootstrap, "catalog.events"), 6), what="the copies on the topic")
        await eventually(lambda: flow.plumbing.settled(CONSUMER), what="the copies consumed")
        assert await flow.plumbing.effect_count() == 3
        [row] = await flow.audit_rows()
        assert (row["actor"], row["action"], row["outcome"]) == ("ops-7", "outbox.republish", "3 marked unpublished")


async def test_lag_is_recorded_per_partition(flow, sample_model) -> None:
    async with running(flow.plumbing.relay(), flow.consumer):
        await flow.add(700, sample_model())
        await eventually(lambda: flow.plumbing.settled(CONSUMER), what="the event consumed")

        async def recorded() -> list | None:
            found = await flow.ops.lag()
            return found if len(found) == flow.plumbing.kafka.partitions and sum(p.high_watermark for p in found) == 1 else None

        partitions = await eventually(recorded, what="positions of every partition")
        assert [p.lag for p in partitions] == [0, 0]
        assert {p.topic for p in partitions} == {"catalog.events"}
        for partition in partitions:
            assert REGISTRY.get_sample_value("consumer_lag", {"consumer": CONSUMER, "topic": "catalog.events", "partition": str(partition.partition)}) == 0
        labels = {"consumer": CONSUMER, "type": ModelUpserted.TYPE}
        assert (REGISTRY.get_sample_value("event_handler_duration_seconds_count", labels) or 0) >= 1
        assert (REGISTRY.get_sample_value("event_delivery_latency_seconds_count", labels) or 0) >= 1


async def test_a_database_that_does_not_answer_is_waited_for_a_bounded_time_then_the_partition_is_given_up(plumbing, sample_model) -> None:
    attempts = 0

    @asynccontextmanager
    async def unreachable() -> AsyncIterator[AsyncSession]:
        nonlocal attempts
        attempts += 1
        raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))
        yield  # pragma: no cover - never reached: a generator, so this is a context manager

    kafka = replace(plumbing.kafka, retry_seconds=0.05)
    consumer = InboxConsumer(
        "db-away", {ModelUpserted.TYPE: subscription(ModelUpserted, _never)}, inbox_table, unreachable, kafka,
        dead_letters=dead_letters, database_wait_seconds=0.5,
    )
    record = ConsumerRecord("catalog.events", 0, 7, 0, 0, b"k", Envelope.wrap(sample_model(), "/catalog").to_bytes(), None, 0, 0, [])
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable):
        await consumer.process(record)
    assert 0.5 <= time.monotonic() - started < 10 and attempts >= 3  # retried, then given up: not parked, not skipped


async def test_trace_context_travels_from_the_writer_through_the_broker_to_the_handler(flow, sample_model) -> None:
    trace_id, span_id = 0x4BF92F3577B34DA6A3CE929D0E0E4736, 0x00F067AA0BA902B7
    parent = trace.set_span_in_context(NonRecordingSpan(SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(1))))
    async with running(flow.plumbing.relay(), flow.consumer):
        token = context.attach(parent)
        try:
            await flow.add(800, sample_model())
        finally:
            context.detach(token)
        await flow.add(801, sample_model())  # no active trace: no extension attribute at all
        await eventually(lambda: flow.plumbing.settled(CONSUMER), what="both events consumed")
    traceparent = f"00-{trace_id:032x}-{span_id:016x}-01"
    records = await read_to_end(flow.plumbing.kafka.bootstrap, "catalog.events")
    traced, plain = sorted(records, key=lambda r: Envelope.from_bytes(r.value).data["srp_paise"])
    assert Envelope.from_bytes(traced.value).traceparent == traceparent
    assert dict(traced.headers)["traceparent"] == traceparent.encode()
    assert b"traceparent" not in plain.value and "traceparent" not in dict(plain.headers)
    for record in records:
        assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
    assert flow.traces[0]["traceparent"].split("-")[1] == f"{trace_id:032x}"  # the handler ran inside the trace
    assert flow.traces[1] == {}


async def _produce(flow: Flow, value: bytes) -> None:
    """Publish a record as some other producer would; first wait until the consumer holds its partitions."""
    await eventually(lambda: _async(flow.consumer.caught_up), what="the consumer to join and catch up")
    producer = AIOKafkaProducer(bootstrap_servers=flow.plumbing.kafka.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait("catalog.events", value, key=b"redmi-9-prime-4gb-64gb")
    finally:
        await producer.stop()


async def _async(value: bool) -> bool:
    return value


async def _async_len(pending, n: int) -> bool:
    return len(await pending) == n


async def _effects(flow: Flow, srp: int, n: int) -> bool:
    return await flow.plumbing.effect_count(srp_paise=srp) == n


async def _never(session: AsyncSession, event: ModelUpserted) -> None:
    raise AssertionError("no handler runs without a database")
