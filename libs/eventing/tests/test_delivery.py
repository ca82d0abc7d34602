"""Outbox → relay → real broker → inbox-checked consumer: nothing lost, nothing applied twice."""

import uuid
from collections.abc import Awaitable, Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import REGISTRY

from contracts.catalog import ModelUpserted
from eventing.envelope import Envelope
from eventing.testing import eventually, read_to_end, running, running_broker, start_broker, stop


async def test_an_event_written_in_a_transaction_reaches_the_consumer_once(plumbing, sample_model) -> None:
    with running_broker(plumbing.broker_port):
        async with running(plumbing.relay(), plumbing.consumer()):
            async with plumbing.db.transaction() as session:
                await plumbing.outbox.add(session, sample_model())
            await eventually(plumbing.settled, what="the event to be published and consumed")
            assert await plumbing.effect_count() == 1


async def test_an_event_delivered_twice_takes_effect_once(plumbing, sample_model) -> None:
    raw = Envelope.wrap(sample_model(), "/catalog").to_bytes()
    with running_broker(plumbing.broker_port):
        consumer = plumbing.consumer()
        async with running(consumer):
            producer = AIOKafkaProducer(bootstrap_servers=plumbing.kafka.bootstrap)
            await producer.start()
            await eventually(lambda: _topic_exists(plumbing, "catalog.events"))
            for _ in range(2):
                await producer.send_and_wait("catalog.events", raw, key=b"redmi-9-prime-4gb-64gb")
            follow_up = Envelope.wrap(sample_model(srp=1), "/catalog").to_bytes()
            await producer.send_and_wait("catalog.events", follow_up, key=b"redmi-9-prime-4gb-64gb")
            await producer.stop()
            # The follow-up is behind both copies on the same partition: once it has taken effect, both copies were seen.
            await eventually(_effects(plumbing, 1, srp_paise=1), what="the follow-up event to take effect")
            assert await plumbing.effect_count(srp_paise=999900) == 1
            assert await plumbing.effect_count() == 2


async def test_a_poison_event_goes_to_the_dlq_and_later_events_still_flow(plumbing, sample_model) -> None:
    with running_broker(plumbing.broker_port):
        async with running(plumbing.relay(), plumbing.consumer()):
            await eventually(lambda: _topic_exists(plumbing, "catalog.events.dlq"))
            producer = AIOKafkaProducer(bootstrap_servers=plumbing.kafka.bootstrap)
            await producer.start()
            await producer.send_and_wait("catalog.events", b"{not json", key=b"redmi-9-prime-4gb-64gb")
            invalid = Envelope.wrap(sample_model(), "/catalog").model_copy(update={"data": {"id": "x"}}).to_bytes()
            await producer.send_and_wait("catalog.events", invalid, key=b"redmi-9-prime-4gb-64gb")
            await producer.stop()
            async with plumbing.db.transaction() as session:
                await plumbing.outbox.add(session, sample_model())
            # Settled: the consumer got past both poison records (each dead-lettered before its offset was committed).
            await eventually(plumbing.settled, what="every event to be published and consumed")
            assert await plumbing.effect_count() == 1
            dead = await read_to_end(plumbing.kafka.bootstrap, "catalog.events.dlq")
            errors = sorted(dict(m.headers)["dlq_error"].decode() for m in dead)
            assert len(errors) == 2
            assert "ValidationError" in errors[0] and "malformed envelope" in errors[1]


async def test_an_event_written_while_the_broker_is_down_is_delivered_once_it_is_up(plumbing, sample_model) -> None:
    async with running(plumbing.relay(), plumbing.consumer()):
        async with plumbing.db.transaction() as session:
            await plumbing.outbox.add(session, sample_model())
        assert await plumbing.effect_count() == 0
        broker = start_broker(plumbing.broker_port)
        try:
            await eventually(plumbing.settled, what="the event to be published and consumed")
            assert await plumbing.effect_count() == 1
        finally:
            stop(broker)


async def test_after_the_broker_restarts_empty_a_consumed_event_comes_again_and_is_skipped(plumbing, sample_model) -> None:
    consumer = plumbing.consumer(name=f"restart-{uuid.uuid4().hex[:8]}")
    async with running(plumbing.relay(), consumer):
        broker = start_broker(plumbing.broker_port)
        async with plumbing.db.transaction() as session:
            await plumbing.outbox.add(session, sample_model())
        await eventually(lambda: plumbing.settled(consumer.name), what="the event to be published and consumed")
        assert await plumbing.effect_count() == 1
        stop(broker)
        broker = start_broker(plumbing.broker_port)
        try:
            republished = await _read_all(plumbing, "catalog.events", expect=1, timeout=40)
            assert Envelope.from_bytes(republished[0].value).open(ModelUpserted).id == "redmi-9-prime-4gb-64gb"
            await eventually(lambda: _duplicates_skipped(consumer.name), timeout=40, what="the republished copy to be skipped")
            assert await plumbing.effect_count() == 1
        finally:
            stop(broker)


async def test_an_event_lost_by_a_broker_restart_before_anyone_consumed_it_is_still_applied(plumbing, sample_model) -> None:
    broker = start_broker(plumbing.broker_port)
    try:
        async with running(plumbing.relay()):
            async with plumbing.db.transaction() as session:
                await plumbing.outbox.add(session, sample_model())
            await _read_all(plumbing, "catalog.events", expect=1)  # published, and nobody has consumed it
    finally:
        stop(broker)
    broker = start_broker(plumbing.broker_port)  # empty: the event is gone from the broker
    try:
        async with running(plumbing.relay(), plumbing.consumer()):
            # The outbox row is still marked published, so "settled" alone holds before the relay republishes it.
            await eventually(_effects(plumbing, 1), timeout=40, what="the republished event to take effect")
            await eventually(plumbing.settled, what="everything republished to be consumed")
            assert await plumbing.effect_count() == 1
    finally:
        stop(broker)


async def _duplicates_skipped(consumer: str) -> float:
    return REGISTRY.get_sample_value("events_duplicate_skipped_total", {"consumer": consumer}) or 0.0


async def _topic_exists(plumbing, topic: str) -> bool:
    consumer = AIOKafkaConsumer(bootstrap_servers=plumbing.kafka.bootstrap)
    await consumer.start()
    try:
        return topic in await consumer.topics()
    finally:
        await consumer.stop()


async def _read_all(plumbing, topic: str, expect: int, timeout: float = 30.0) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=plumbing.kafka.bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    seen: list = []
    try:
        async def more() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                seen.extend(records)
            return len(seen) >= expect

        await eventually(more, timeout=timeout)
        return seen
    finally:
        await consumer.stop()


async def test_two_relays_on_one_database_publish_each_event_once_and_in_order(plumbing, sample_model) -> None:
    if not plumbing.db.is_postgres:
        pytest.skip("SQLite runs one relay per database file (one host); relay replicas are a PostgreSQL deployment")
    with running_broker(plumbing.broker_port):
        async with plumbing.db.transaction() as session:
            for srp in range(1, 41):
                await plumbing.outbox.add(session, sample_model(srp=srp))
        async with running(plumbing.relay(), plumbing.relay()):
            await eventually(_all_published(plumbing), what="every outbox event to be marked published")
        # Both relays are stopped (their producers flushed): whatever either sent is on the topic now.
        records = await read_to_end(plumbing.kafka.bootstrap, "catalog.events")
    prices = [Envelope.from_bytes(r.value).open(ModelUpserted).srp_paise for r in records]
    assert prices == list(range(1, 41))


def _effects(plumbing, count: int, srp_paise: int | None = None) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await plumbing.effect_count(srp_paise) == count

    return check


def _all_published(plumbing) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await plumbing.unpublished() == 0

    return check
