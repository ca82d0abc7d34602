"""An event the notification consumer cannot apply is parked in dead_letters, shown to ops, and applied
once by a replay through the inbox, against the real database (SQLite, and PostgreSQL when configured)."""

from typing import Any

import httpx
from aiokafka.structs import ConsumerRecord
from sqlalchemy import text

from eventing.envelope import Envelope
from notification.events.consumer import EnvelopeConsumer
from notification.testing import OPS, OWNER, RETAILER, Harness, WebhookReceiver, headers, plan_purchased
from servicekit.principal import Principal

HELD = "acc_held"
# A rule someone added by hand to the notification database: it refuses this account's plans. The
# event is fine; the data the consumer applies it to is not, so ops fixes the data and replays the event.
HOLD_SQLITE = [
    f"CREATE TRIGGER hold_account BEFORE INSERT ON plans WHEN NEW.account_id = '{HELD}' "
    "BEGIN SELECT RAISE(ABORT, 'plans of this account are on hold'); END"
]
HOLD_POSTGRES = [
    f"CREATE FUNCTION hold_account() RETURNS trigger AS $$ BEGIN IF NEW.account_id = '{HELD}' THEN "
    "RAISE EXCEPTION 'plans of this account are on hold'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER hold_account BEFORE INSERT ON plans FOR EACH ROW EXECUTE FUNCTION hold_account()",
]


async def run_sql(harness: Harness, statements: list[str]) -> None:
    async with harness.app.state.db.transaction() as session:
        for statement in statements:
            await session.execute(text(statement))


async def hold(harness: Harness) -> None:
    await run_sql(harness, HOLD_POSTGRES if harness.app.state.db.is_postgres else HOLD_SQLITE)


async def lift_hold(harness: Harness) -> None:
    await run_sql(harness, ["DROP TRIGGER hold_account ON plans"] if harness.app.state.db.is_postgres else ["DROP TRIGGER hold_account"])


async def consume(harness: Harness, envelope: Envelope, offset: int) -> None:
    """One record as the broker hands it to the worker: applied, or retried and parked."""
    consumer: EnvelopeConsumer = harness.app.state.consumer
    consumer.backoff_seconds = 0.01  # the retry pauses are the library's concern, not this test's
    record = ConsumerRecord("enrolment.events", 0, offset, 0, 0, envelope.subject.encode(), envelope.to_bytes(), None, 0, 0, [])
    await consumer.process(record)


async def ops(harness: Harness, method: str, path: str, body: Any = None, who: Principal = OPS) -> httpx.Response:
    return await harness.client.request(method, f"/api/v1/ops/notification{path}", json=body, headers=headers(who))


async def pending(harness: Harness) -> list[dict[str, Any]]:
    listing = await ops(harness, "GET", "/dlq?status=pending")
    assert listing.status_code == 200, listing.text
    return listing.json()["items"]


async def test_a_parked_plan_event_is_shown_to_ops_and_replayed_into_one_webhook(harness: Harness) -> None:
    async with WebhookReceiver() as receiver:
        endpoint = await harness.register(RETAILER, receiver.url)
        await hold(harness)
        envelope = Envelope.wrap(plan_purchased("pln_held", account_id=HELD), "/enrolment", harness.clock.now())
        await consume(harness, envelope, offset=41)

        [entry] = await pending(harness)
        assert entry["event_id"] == envelope.id and entry["event_type"] == "enrolment.PlanPurchased" and entry["attempts"] == 3
        assert entry["consumer"] == "notification" and entry["topic"] == "enrolment.events" and entry["offset"] == 41
        assert "plans of this account are on hold" in entry["error"]
        assert await harness.deliveries(RETAILER, endpoint["id"]) == []  # what the store sees: no webhook came
        shown = await ops(harness, "GET", f"/dlq/{entry['id']}")
        assert shown.json()["envelope"]["data"]["plan_id"] == "pln_held"
        assert (await ops(harness, "GET", "/dlq", who=OWNER)).status_code == 404  # ops only

        still_held = await ops(harness, "POST", f"/dlq/{entry['id']}/replay")
        assert still_held.status_code == 409 and still_held.json()["code"] == "replay_failed"
        assert still_held.headers["content-type"].startswith("application/problem+json")
        assert await harness.deliveries(RETAILER, endpoint["id"]) == []

        await lift_hold(harness)  # the fix
        replayed = await ops(harness, "POST", f"/dlq/{entry['id']}/replay")
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["outcome"] == "applied" and replayed.json()["dead_letter"]["acted_by"] == OPS.subject
        [delivery] = await harness.deliveries(RETAILER, endpoint["id"])
        assert delivery["event_id"] == envelope.id  # fanned out with the parked event's own envelope

        again = await ops(harness, "POST", f"/dlq/{entry['id']}/replay")
        assert again.status_code == 409 and again.json()["code"] == "dead_letter_not_pending"
        await consume(harness, envelope, offset=41)  # the broker hands the record over again (a lost offset commit)
        assert len(await harness.deliveries(RETAILER, endpoint["id"])) == 1
        assert await pending(harness) == []

        async with httpx.AsyncClient(timeout=5) as client:
            await harness.app.state.delivery_worker.deliver_due(client)
        events = receiver.accepted(endpoint["secret"])
    assert [e["id"] for e in events.values()] == [envelope.id]


async def test_replaying_an_event_a_redelivery_already_applied_changes_nothing(harness: Harness) -> None:
    endpoint = await harness.register(RETAILER, "http://127.0.0.1:9/hooks")
    await hold(harness)
    envelope = Envelope.wrap(plan_purchased("pln_twice", account_id=HELD), "/enrolment", harness.clock.now())
    await consume(harness, envelope, offset=7)
    [entry] = await pending(harness)
    await lift_hold(harness)
    await consume(harness, envelope, offset=8)  # the same event published again (a republished outbox range)
    assert len(await harness.deliveries(RETAILER, endpoint["id"])) == 1

    replayed = await ops(harness, "POST", f"/dlq/{entry['id']}/replay")
    assert replayed.status_code == 200 and replayed.json()["outcome"] == "already_applied"
    assert len(await harness.deliveries(RETAILER, endpoint["id"])) == 1


async def test_discard_keeps_the_reason_and_the_other_tools_answer(harness: Harness) -> None:
    await hold(harness)
    await consume(harness, Envelope.wrap(plan_purchased("pln_test", account_id=HELD), "/enrolment", harness.clock.now()), offset=3)
    [entry] = await pending(harness)
    no_reason = await ops(harness, "POST", f"/dlq/{entry['id']}/discard", {})
    assert no_reason.status_code == 422 and no_reason.headers["content-type"].startswith("application/problem+json")
    discarded = await ops(harness, "POST", f"/dlq/{entry['id']}/discard", {"reason": "test plan, never sold"})
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded" and discarded.json()["reason"] == "test plan, never sold"
    assert (await ops(harness, "POST", "/dlq/replay", {"limit": 10})).json() == {"results": [], "remaining": 0}

    backlog = await ops(harness, "GET", "/outbox")
    assert backlog.status_code == 200 and backlog.json()["pending"] == 0  # it publishes nothing
    lag = await ops(harness, "GET", "/consumers")
    assert lag.status_code == 200 and lag.json()["consumer"] == "notification"
