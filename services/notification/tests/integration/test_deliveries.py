"""Webhook deliveries against a real receiving HTTP server: signed, retried, never lost, never doubled, only to their partner."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from notification.db.tables import endpoints
from notification.main import create_app
from notification.service.delivering import DeliveryWorker
from notification.testing import (
    OPS,
    OTHER_RETAILER,
    RETAILER,
    Harness,
    WebhookReceiver,
    coupon_issued,
    coupon_redeemed,
    exchange_accepted,
    exchange_cancelled,
    headers,
    plan_purchased,
)  # fmt: skip
from servicekit.clock import FixedClock


async def drain(harness: Harness, rounds: int = 12, step: timedelta = timedelta(hours=1)) -> None:
    """Run the delivery worker round after round, moving the clock past each backoff."""
    worker: DeliveryWorker = harness.app.state.delivery_worker
    async with httpx.AsyncClient(timeout=worker.timeout_seconds) as client:
        for _ in range(rounds):
            await worker.deliver_due(client)
            harness.clock.advance(step)


async def test_failed_attempts_are_retried_until_every_event_arrives_once_signed_and_ordered(harness: Harness) -> None:
    async with WebhookReceiver(failures=[503, 429, 500]) as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        await harness.deliver(exchange_accepted("exc_1"))
        await harness.deliver(coupon_issued("cpn_1", "exc_1"))
        await harness.deliver(coupon_redeemed("cpn_1", "exc_1"))
        await drain(harness)

        events = receiver.accepted(endpoint["secret"])
    assert sorted(e["type"] for e in events.values()) == ["coupon.CouponIssued", "coupon.CouponRedeemed", "valuation.ExchangeAccepted"]
    coupon_events = sorted((e for e in events.values() if e["subject"] == "cpn_1"), key=lambda e: e["sequence"])
    assert [e["type"] for e in coupon_events] == ["coupon.CouponIssued", "coupon.CouponRedeemed"]
    assert all(e["specversion"] == "1.0" and e["id"] and e["source"] and e["time"] for e in events.values())
    assert "code" not in coupon_events[0]["data"]  # the coupon code is the customer's, never a partner's

    log = await harness.deliveries(RETAILER, endpoint["id"])
    assert {d["status"] for d in log} == {"succeeded"} and sum(d["attempts"] for d in log) == 3 + 3
    assert all(d["last_status_code"] == 200 and d["last_latency_ms"] is not None for d in log)


async def test_a_partner_never_receives_another_partners_events(harness: Harness) -> None:
    async with WebhookReceiver() as mine, WebhookReceiver() as theirs:
        retailer = await harness.register(RETAILER, mine.url)
        other = await harness.register(OTHER_RETAILER, theirs.url)
        await harness.deliver(plan_purchased("pln_1", store_id="store_1"))
        await harness.deliver(exchange_accepted("exc_1", accepted_by="pk_retailer"))
        await harness.deliver(exchange_accepted("exc_2", accepted_by="acc_owner"))  # the customer's own: no partner's
        await harness.deliver(coupon_issued("cpn_2", "exc_2"))
        await drain(harness, rounds=2)
        assert {e["subject"] for e in mine.accepted(retailer["secret"]).values()} == {"pln_1", "exc_1"}
        assert theirs.accepted(other["secret"]) == {}


async def test_a_coupon_event_before_its_exchange_waits_for_it_and_keeps_its_order(harness: Harness) -> None:
    async with WebhookReceiver() as receiver:
        endpoint = await harness.register(RETAILER, receiver.url, ["coupon.CouponIssued", "coupon.CouponRedeemed"])
        await harness.deliver(coupon_issued("cpn_1", "exc_1"))  # another topic: it may come first
        await harness.deliver(coupon_redeemed("cpn_1", "exc_1"))
        await drain(harness, rounds=1)
        assert receiver.requests == []
        await harness.deliver(exchange_accepted("exc_1"))
        await drain(harness, rounds=1)
        events = sorted(receiver.accepted(endpoint["secret"]).values(), key=lambda e: e["sequence"])
    assert [e["type"] for e in events] == ["coupon.CouponIssued", "coupon.CouponRedeemed"]


async def test_a_redelivered_event_from_the_broker_is_delivered_once(harness: Harness) -> None:
    async with WebhookReceiver() as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        envelope = await harness.deliver(exchange_accepted("exc_1"))
        await harness.deliver(exchange_accepted("exc_1"), envelope)  # the same event again
        await drain(harness, rounds=2)
        assert len(receiver.requests) == 1 and len(receiver.accepted(endpoint["secret"])) == 1


async def test_a_permanent_refusal_fails_the_delivery_and_the_partner_can_redeliver(harness: Harness) -> None:
    async with WebhookReceiver(failures=[410]) as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        await harness.deliver(exchange_cancelled("exc_9"))
        await harness.deliver(exchange_accepted("exc_9"))  # parties known only from here: the cancel is about nobody's yet
        await drain(harness, rounds=2)
        [failed] = await harness.deliveries(RETAILER, endpoint["id"])
        assert failed["status"] == "failed" and failed["last_status_code"] == 410 and failed["attempts"] == 1

        again = await harness.client.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/{failed['id']}/redeliver", headers=headers(RETAILER))
        assert again.status_code == 202
        await drain(harness, rounds=1)
        [delivered] = await harness.deliveries(RETAILER, endpoint["id"])
        assert delivered["status"] == "succeeded" and delivered["id"] == failed["id"]
        assert [h["webhook-id"] for h, _ in receiver.requests] == [failed["id"], failed["id"]]


async def test_an_endpoint_that_keeps_failing_for_a_day_is_disabled_with_the_reason(harness: Harness) -> None:
    async with WebhookReceiver(failures=[503] * 100) as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        await harness.deliver(exchange_accepted("exc_1"))
        await drain(harness, rounds=30)
        seen = (await harness.client.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=headers(RETAILER))).json()
        assert seen["status"] == "disabled" and "HTTP 503" in seen["disabled_reason"]
        [delivery] = await harness.deliveries(OPS, endpoint["id"])
        assert delivery["status"] in ("pending", "failed") and delivery["last_status_code"] == 503


async def test_during_a_rotation_both_secrets_verify(harness: Harness) -> None:
    async with WebhookReceiver() as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        rotated = (await harness.client.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/secret/rotate", headers=headers(RETAILER))).json()
        await harness.deliver(exchange_accepted("exc_1"))
        await drain(harness, rounds=1)
        assert len(receiver.accepted(endpoint["secret"])) == 1 and len(receiver.accepted(rotated["secret"])) == 1
        assert len(receiver.requests[0][0]["webhook-signature"].split(" ")) == 2


async def test_two_workers_deliver_each_event_once(harness: Harness, settings) -> None:
    async with WebhookReceiver() as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        for n in range(30):
            await harness.deliver(exchange_accepted(f"exc_{n}"))
        second = create_app(settings, clock=FixedClock(harness.clock.now()))
        async with second.router.lifespan_context(second), httpx.AsyncClient() as one, httpx.AsyncClient() as two:
            first_worker: DeliveryWorker = harness.app.state.delivery_worker
            second_worker: DeliveryWorker = second.state.delivery_worker
            first_worker.batch = second_worker.batch = 5
            for _ in range(8):
                await asyncio.gather(first_worker.deliver_due(one), second_worker.deliver_due(two))
        assert len(receiver.requests) == 30 and len(receiver.accepted(endpoint["secret"])) == 30


@pytest.mark.parametrize("answer", ["timeout"])
async def test_a_receiver_that_hangs_is_retried(harness: Harness, answer: str) -> None:
    async with WebhookReceiver(failures=[answer], hang_seconds=5) as receiver:
        harness.app.state.delivery_worker.timeout_seconds = 0.5
        endpoint = await harness.register(RETAILER, receiver.url)
        await harness.deliver(exchange_accepted("exc_1"))
        await drain(harness, rounds=1)
        [first] = await harness.deliveries(RETAILER, endpoint["id"])
        assert first["status"] == "pending" and "timed out" in first["last_error"]
        await drain(harness, rounds=2)
        assert len(receiver.accepted(endpoint["secret"])) == 1
        async with harness.app.state.db.reading() as session:
            assert await session.scalar(select(endpoints.c.failing_since).where(endpoints.c.id == endpoint["id"])) is None


async def test_a_retried_rotation_leaves_the_secret_the_partner_holds_working(harness: Harness) -> None:
    async with WebhookReceiver() as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        for _ in range(2):  # the first answer was lost; the partner rotates again
            rotated = (await harness.client.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/secret/rotate", headers=headers(RETAILER))).json()
        await harness.deliver(exchange_accepted("exc_1"))
        await drain(harness, rounds=1)
        assert len(receiver.accepted(endpoint["secret"])) == 1 and len(receiver.accepted(rotated["secret"])) == 1

        harness.clock.advance(timedelta(days=2))  # the overlap is over: only the newest secret signs
        await harness.deliver(exchange_accepted("exc_2"))
        await drain(harness, rounds=1)
        assert len(receiver.requests[-1][0]["webhook-signature"].split(" ")) == 1
