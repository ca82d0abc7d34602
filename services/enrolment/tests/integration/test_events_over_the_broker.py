"""The whole event path on a real broker: catalog in, plan events out, exchange events in, each applied once."""

import time

from aiokafka import AIOKafkaConsumer

from contracts.base import Event
from contracts.enrolment import TOPIC as ENROLMENT_TOPIC
from contracts.enrolment import PlanPurchased, PlanRedeemed
from contracts.valuation import ExchangeAccepted, ExchangeCompleted
from enrolment.config import Settings
from enrolment.main import create_app
from enrolment.testing import MODEL_ID, NOON_IN_INDIA, OWNER, Service, as_, model_upserted, new_imei
from eventing.envelope import Envelope
from eventing.kafka import ensure_topics, new_producer
from eventing.testing import caught_up, eventually, running_broker
from servicekit.clock import FixedClock
from servicekit.testing import service_client

DEADLINE_SECONDS = 30


async def test_a_plan_is_sold_from_a_published_model_and_redeemed_by_published_exchange_events(database_url):
    with running_broker() as bootstrap:
        settings = Settings(database_url=database_url, kafka_bootstrap=bootstrap, kafka_session_timeout_ms=6000, relay_poll_seconds=0.1)
        kafka = settings.kafka()
        await ensure_topics(kafka, {"catalog.events": kafka.partitions, "valuation.events": kafka.partitions})
        producer = new_producer(kafka)
        await producer.start()

        async def publish(event: Event) -> None:
            envelope = Envelope.wrap(event, "/test")
            await producer.send_and_wait(event.TOPIC, envelope.to_bytes(), key=event.aggregate_id().encode())

        clock = FixedClock(NOON_IN_INDIA)
        app = create_app(settings, clock)
        try:
            async with app.router.lifespan_context(app), service_client(app, "http://e") as http:
                service = Service(app, http, clock)
                await publish(model_upserted())

                async def model_known() -> bool:
                    preview = await http.get("/api/v1/plans/preview", params={"model_id": MODEL_ID, "purchase_date": "2021-03-10"})
                    return preview.status_code == 200

                await eventually(model_known, what="the catalog model to reach the read model")
                plan = (await service.sell(new_imei())).json()
                purchased = await first_event(bootstrap, PlanPurchased.TYPE)
                assert (purchased.subject, len(purchased.data["schedule"])) == (plan["id"], 4)

                exchange = ExchangeAccepted(
                    exchange_id="exc_1", quote_id="qte_1", account_id=OWNER.subject, imei=plan["imei"], model_id=MODEL_ID,
                    amount_paise=909_930, program="smart_upgrade", plan_id=plan["id"], accepted_by=OWNER.subject, accepted_at=NOON_IN_INDIA,
                )
                done = ExchangeCompleted(
                    exchange_id="exc_1", account_id=OWNER.subject, imei=plan["imei"], amount_paise=909_930, plan_id=plan["id"], completed_at=NOON_IN_INDIA,
                )
                await publish(exchange)
                completed_envelope = Envelope.wrap(done, "/test")
                for _ in range(2):  # delivered twice, applied once
                    await producer.send_and_wait(done.TOPIC, completed_envelope.to_bytes(), key=b"exc_1")

                async def redeemed() -> bool:
                    shown = await http.get(f"/api/v1/plans/{plan['id']}", headers=as_(OWNER))
                    return shown.json()["status"] == "redeemed"

                await eventually(redeemed, what="the plan to be redeemed")
                # Caught up: both copies of ExchangeCompleted were handled, so a second effect would be there by now.
                await eventually(lambda: caught_up(bootstrap, "enrolment", ["catalog.events", "valuation.events"]), what="enrolment to consume every event")
                assert len(await service.outbox_events(PlanRedeemed.TYPE)) == 1
                health = (await http.get("/health")).json()
                assert (health["status"], len(health["workers"])) == ("ok", 4)  # relay, consumer, lapse sweep, idempotency-key purge
        finally:
            await producer.stop()


async def first_event(bootstrap: str, type_: str) -> Envelope:
    """The first event of a type on enrolment.events, read from the beginning."""
    consumer = AIOKafkaConsumer(ENROLMENT_TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    envelope = Envelope.from_bytes(record.value)
                    if envelope.type == type_:
                        return envelope
        raise AssertionError(f"no {type_} on {ENROLMENT_TOPIC} within {DEADLINE_SECONDS}s")
    finally:
        await consumer.stop()
