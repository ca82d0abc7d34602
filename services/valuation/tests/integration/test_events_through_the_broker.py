"""Valuation's consumers and relay against a real broker: read models in, exchange events out."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI

from contracts.base import Event
from contracts.coupon import CouponExpired, CouponIssued
from eventing.envelope import Envelope
from eventing.testing import eventually, running_broker
from servicekit.clock import FixedClock
from servicekit.testing import ServiceClient, service_client
from valuation.config import Settings
from valuation.main import create_app
from valuation.testing import FLAWLESS, NOON_IN_INDIA, OPS, PHONE, customer, imei, model_upserted, plan_purchased


@pytest.fixture
async def wired(database_url: str) -> AsyncIterator[tuple[FastAPI, ServiceClient, AIOKafkaProducer, AIOKafkaConsumer]]:
    with running_broker() as bootstrap:
        settings = Settings(
            database_url=database_url, kafka_bootstrap=bootstrap, kafka_session_timeout_ms=6000, event_partitions=1, relay_poll_seconds=0.1
        )
        app = create_app(settings, FixedClock(NOON_IN_INDIA))
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        listener = AIOKafkaConsumer("valuation.events", bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id="test-listener")
        try:
            async with app.router.lifespan_context(app):
                async with service_client(app, "http://valuation") as http:
                    await listener.start()
                    yield app, http, producer, listener
        finally:
            await listener.stop()
            await producer.stop()


async def publish(producer: AIOKafkaProducer, event: Event) -> None:
    envelope = Envelope.wrap(event, "/test")
    await producer.send_and_wait(event.TOPIC, envelope.to_bytes(), key=event.aggregate_id().encode())


async def test_events_feed_the_read_models_and_the_exchange_lifecycle_is_published(wired):
    _, http, producer, listener = wired
    await publish(producer, model_upserted())
    await publish(producer, plan_purchased("pln_1", "acc-1", imei(2)))
    assert (await http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": 500_000}, headers=OPS)).status_code == 201

    async def floored_quote() -> dict[str, Any] | None:
        response = await http.post("/api/v1/quotes", json={"imei": imei(2), "condition": FLAWLESS}, headers=customer("acc-1"))
        return response.json() if response.status_code == 201 and response.json()["program"] == "smart_upgrade" else None

    quote = await eventually(floored_quote)
    exchange = (await http.post(f"/api/v1/quotes/{quote['id']}/accept", headers=customer("acc-1"))).json()
    received: list[Envelope] = []

    async def published(event_type: str) -> Envelope | None:
        for batch in (await listener.getmany(timeout_ms=200)).values():
            received.extend(Envelope.from_bytes(record.value) for record in batch)
        return next((e for e in received if e.type == event_type), None)

    accepted = await eventually(lambda: published("valuation.ExchangeAccepted"))
    assert accepted.subject == exchange["id"]
    assert (accepted.data["amount_paise"], accepted.data["program"], accepted.data["plan_id"]) == (839_930, "smart_upgrade", "pln_1")

    now = NOON_IN_INDIA
    await publish(producer, CouponIssued(coupon_id="cpn_1", code="ABCD-EFGH-JKLM-NPQR", exchange_id=exchange["id"], account_id="acc-1",
                                         amount_paise=839_930, issued_at=now, expires_at=now + timedelta(days=14)))

    async def status(wanted: str) -> dict[str, Any] | None:
        body = (await http.get(f"/api/v1/exchanges/{exchange['id']}", headers=customer("acc-1"))).json()
        return body if body["status"] == wanted else None

    assert (await eventually(lambda: status("coupon_issued")))["coupon_code"] == "ABCD-EFGH-JKLM-NPQR"
    await publish(producer, CouponExpired(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", expired_at=now))
    await eventually(lambda: status("cancelled"))
    cancelled = await eventually(lambda: published("valuation.ExchangeCancelled"))
    assert cancelled.data["reason"] == "coupon_expired"
