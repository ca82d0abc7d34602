"""A plan follows the exchange that redeems it, as the valuation service's events say (SPEC §5 states)."""

import json
from datetime import UTC, datetime, timedelta

from contracts.enrolment import PlanLapsed, PlanRedeemed
from contracts.valuation import ExchangeAccepted, ExchangeCancelled, ExchangeCompleted
from enrolment.events.inbound import subscriptions
from enrolment.testing import MODEL_ID, OWNER, as_, new_imei

AT = datetime(2021, 7, 1, tzinfo=UTC)


def accepted(plan: dict, exchange_id: str = "exc_1", plan_id: str | None = "same") -> ExchangeAccepted:
    return ExchangeAccepted(
        exchange_id=exchange_id, quote_id="qte_1", account_id=plan["account_id"], imei=plan["imei"], model_id=MODEL_ID, amount_paise=900_000,
        program="smart_upgrade", plan_id=plan["id"] if plan_id == "same" else plan_id, accepted_by=plan["account_id"], accepted_at=AT,
    )


def completed(plan: dict, exchange_id: str = "exc_1") -> ExchangeCompleted:
    return ExchangeCompleted(exchange_id=exchange_id, account_id=plan["account_id"], imei=plan["imei"], amount_paise=900_000, plan_id=plan["id"], completed_at=AT)


def cancelled(plan: dict, exchange_id: str = "exc_1") -> ExchangeCancelled:
    return ExchangeCancelled(
        exchange_id=exchange_id, account_id=plan["account_id"], imei=plan["imei"], amount_paise=900_000, plan_id=plan["id"],
        reason="coupon_expired", cancelled_at=AT,
    )


async def deliver(service, event) -> None:
    """Apply an event through the consumer's own handler, in one transaction as the InboxConsumer does."""
    handler = subscriptions(service.app.state.outbox, service.clock)[event.TYPE].handler
    async with service.app.state.db.transaction() as session:
        await handler(session, event)


async def status_of(service, plan: dict) -> str:
    return (await service.http.get(f"/api/v1/plans/{plan['id']}", headers=as_(OWNER))).json()["status"]


async def test_an_accepted_exchange_holds_the_plan_and_a_completed_one_redeems_it(service):
    imei = new_imei()
    plan = (await service.sell(imei)).json()
    await deliver(service, accepted(plan))
    assert await status_of(service, plan) == "buyback_in_progress"
    cancel = await service.http.post(f"/api/v1/plans/{plan['id']}/cancel", headers=as_(OWNER))
    assert (cancel.status_code, cancel.json()["code"]) == (409, "plan_not_cancellable")
    await deliver(service, completed(plan))
    assert await status_of(service, plan) == "redeemed"
    [envelope] = await service.outbox_events(PlanRedeemed.TYPE)
    assert json.loads(envelope)["data"]["exchange_id"] == "exc_1"
    assert (await service.sell(imei)).status_code == 201  # a redeemed plan no longer binds the device


async def test_a_cancelled_exchange_returns_the_plan_to_active(service):
    plan = (await service.sell()).json()
    await deliver(service, accepted(plan))
    await deliver(service, cancelled(plan, exchange_id="exc_other"))  # not the exchange holding it
    assert await status_of(service, plan) == "buyback_in_progress"
    await deliver(service, cancelled(plan))
    assert await status_of(service, plan) == "active"


async def test_a_cancelled_exchange_after_the_last_window_lapses_the_plan(service):
    plan = (await service.sell(invoice_date="2021-03-05")).json()
    await deliver(service, accepted(plan))
    service.clock.advance(timedelta(days=460))
    await deliver(service, cancelled(plan))
    assert await status_of(service, plan) == "lapsed"
    assert len(await service.outbox_events(PlanLapsed.TYPE)) == 1


async def test_a_plain_exchange_without_a_plan_leaves_plans_alone(service):
    plan = (await service.sell()).json()
    await deliver(service, accepted(plan, plan_id=None))
    assert await status_of(service, plan) == "active"


async def test_an_exchange_by_another_account_does_not_hold_the_plan(service):
    plan = (await service.sell()).json()
    await deliver(service, accepted(plan | {"account_id": "acc_someone_else"}))
    assert await status_of(service, plan) == "active"
