"""Against a real broker: two consumer instances in one group credit one coupon, and the relay publishes it."""

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from contracts.base import Event
from contracts.catalog import TOPIC as CATALOG_TOPIC
from contracts.coupon import TOPIC as COUPON_TOPIC
from contracts.coupon import CouponIssued
from contracts.valuation import TOPIC as VALUATION_TOPIC
from coupon.config import Settings
from coupon.db.tables import coupons, inbox, outbox
from coupon.main import create_app
from coupon.testing import exchange_accepted, model_upserted
from eventing.envelope import Envelope
from eventing.kafka import KafkaSettings, ensure_topics
from eventing.testing import caught_up, eventually, read_to_end, running_broker

DEADLINE_SECONDS = 40


@pytest.fixture
def broker() -> Iterator[str]:
    """A fresh broker per test, so the consumer group starts empty."""
    with running_broker() as bootstrap:
        yield bootstrap


async def _publish(bootstrap: str, envelopes: list[tuple[Event, Envelope]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event, envelope in envelopes:
            await producer.send_and_wait(event.TOPIC, envelope.to_bytes(), key=envelope.subject.encode(), headers=envelope.kafka_headers())
    finally:
        await producer.stop()


@pytest.fixture
async def two_instances(broker: str, database_url: str) -> AsyncIterator[list]:
    """Two full coupon processes (API, relay, consumer, sweep) sharing one database and one consumer group."""
    env: dict[str, Any] = {"COUPON_DATABASE_URL": database_url, "KAFKA_BOOTSTRAP": broker, "KAFKA_SESSION_TIMEOUT_MS": 6000, "RELAY_POLL_SECONDS": 0.2}
    await ensure_topics(KafkaSettings(broker), {CATALOG_TOPIC: 3, VALUATION_TOPIC: 3, COUPON_TOPIC: 3})
    async with AsyncExitStack() as stack:
        apps = [create_app(Settings(**env)) for _ in range(2)]
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield apps


async def test_an_exchange_delivered_three_times_to_two_consumers_in_one_group_credits_one_coupon(broker: str, two_instances: list) -> None:
    db = two_instances[0].state.db
    accepted = exchange_accepted("exc_broker", at=datetime.now(UTC))
    once = Envelope.wrap(accepted, "/valuation")
    republished = Envelope.wrap(accepted, "/valuation")  # the same fact under a new event id
    phone = model_upserted("redmi-note-9-pro", "Redmi", "smartphone")
    await _publish(broker, [(phone, Envelope.wrap(phone, "/catalog")), (accepted, once), (accepted, once), (accepted, once), (accepted, republished)])

    async def all_seen() -> bool:
        async with db.reading() as session:
            seen = set(await session.scalars(select(inbox.c.event_id).where(inbox.c.event_id.in_([once.id, republished.id]))))
        return seen == {once.id, republished.id}

    await eventually(all_seen, timeout=DEADLINE_SECONDS, what="both envelopes to be applied")
    # Caught up: every copy has been handled by one instance or the other, so a second coupon would be there by now.
    await eventually(lambda: caught_up(broker, "coupon", [CATALOG_TOPIC, VALUATION_TOPIC]), timeout=DEADLINE_SECONDS, what="the group to consume every copy")
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(coupons)) == 1
        code = await session.scalar(select(coupons.c.code))

    async def all_published() -> bool:
        async with db.reading() as session:
            return await session.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) == 0

    await eventually(all_published, timeout=DEADLINE_SECONDS, what="both relays to publish the outbox")
    # Every outbox row is on the topic now; delivery is at least once (two relays may both send a row on SQLite), the event itself is one.
    published = [Envelope.from_bytes(r.value) for r in await read_to_end(broker, COUPON_TOPIC)]
    issued = [e for e in published if e.type == CouponIssued.TYPE]
    assert len({e.id for e in issued}) == 1
    event = issued[0].open(CouponIssued)
    assert (event.exchange_id, event.code, event.amount_paise) == ("exc_broker", code, 1_200_000)
