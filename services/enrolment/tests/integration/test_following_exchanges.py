"""A plan follows the exchange that redeems it, as the valuation service's events say (SPEC §5 states)."""

import json
from datetime import UTC, datetime, timedelta

from contracts.enrolment import PlanLapsed, PlanRedeemed
from contracts.valuation import ExchangeAccepted, ExchangeCancelled, ExchangeCompleted, Program
from enrolment.db import repository
from enrolment.service.lapsing import lapse_due_plans
from enrolment.testing import MODEL_ID, OWNER, as_, new_imei

AT = datetime(2021, 7, 1, tzinfo=UTC)


def accepted(
    plan: dict, exchange_id: str = "exc_1", plan_id: str | None = "same", at: datetime = AT, program: Program = "smart_upgrade"
) -> ExchangeAccepted:
    return ExchangeAccepted(
        exchange_id=exchange_id, quote_id="qte_1", account_id=plan["account_id"], imei=plan["imei"], model_id=MODEL_ID, amount_paise=900_000,
        program=program, plan_id=plan["id"] if plan_id == "same" else plan_id, accepted_by=plan["account_id"], accepted_at=at,
    )


def completed(plan: dict, exchange_id: str = "exc_1", program: Program | None = None) -> ExchangeCompleted:
    """Without `program`, as valuation published completions before it named the programme."""
    return ExchangeCompleted(
        exchange_id=exchange_id, account_id=plan["account_id"], imei=plan["imei"], amount_paise=900_000, plan_id=plan["id"], program=program,
        completed_at=AT,
    )


def cancelled(plan: dict, exchange_id: str = "exc_1") -> ExchangeCancelled:
    return ExchangeCancelled(
        exchange_id=exchange_id, account_id=plan["account_id"], imei=plan["imei"], amount_paise=900_000, plan_id=plan["id"],
        reason="coupon_expired", cancelled_at=AT,
    )


async def deliver(service, event) -> None:
    """Apply an event through the app's own InboxConsumer, as a delivery from the broker would."""
    await service.deliver(event)


async def status_of(service, plan: dict) -> str:
    return (await service.http.get(f"/api/v1/plans/{plan['id']}", headers=as_(OWNER))).json()["status"]


async def held_by(service, plan: dict) -> tuple[str, str | None]:
    shown = (await service.http.get(f"/api/v1/plans/{plan['id']}", headers=as_(OWNER))).json()
    return shown["status"], shown["exchange_id"]


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


# Valuation's events are keyed by exchange id, so they are ordered per exchange only. The customer
# cancels exchange A and at once accepts a new floored quote, exchange B: B's events may overtake A's.


async def test_a_new_exchange_accepted_before_the_old_ones_cancel_arrives_holds_the_plan_to_redemption(service):
    imei = new_imei()
    plan = (await service.sell(imei)).json()
    await deliver(service, accepted(plan, "exc_a", at=AT))
    await deliver(service, accepted(plan, "exc_b", at=AT + timedelta(minutes=5)))  # overtakes ExchangeCancelled(A)
    assert await held_by(service, plan) == ("buyback_in_progress", "exc_b")
    await deliver(service, cancelled(plan, "exc_a"))
    assert await held_by(service, plan) == ("buyback_in_progress", "exc_b")

    await deliver(service, completed(plan, "exc_b"))
    await deliver(service, completed(plan, "exc_b"))  # redelivered under another event id: still one redemption
    assert await held_by(service, plan) == ("redeemed", "exc_b")
    [envelope] = await service.outbox_events(PlanRedeemed.TYPE)
    assert json.loads(envelope)["data"]["exchange_id"] == "exc_b"
    assert await service.outbox_events(PlanLapsed.TYPE) == []
    assert (await service.sell(imei)).status_code == 201


async def test_a_late_acceptance_of_the_older_exchange_does_not_take_the_plan_back(service):
    plan = (await service.sell()).json()
    await deliver(service, accepted(plan, "exc_b", at=AT + timedelta(minutes=5)))  # B's partition is ahead of A's
    await deliver(service, accepted(plan, "exc_a", at=AT))
    await deliver(service, cancelled(plan, "exc_a"))
    assert await held_by(service, plan) == ("buyback_in_progress", "exc_b")
    await deliver(service, completed(plan, "exc_b"))
    assert await held_by(service, plan) == ("redeemed", "exc_b")
    assert len(await service.outbox_events(PlanRedeemed.TYPE)) == 1


async def test_the_old_exchanges_cancel_does_not_release_a_plan_taken_over_between_its_read_and_its_write(service, monkeypatch):
    """Two consumer replicas on two partitions: ExchangeCancelled(A) read the plan while A held it, then B took it over."""
    plan = (await service.sell()).json()
    await deliver(service, accepted(plan, "exc_a", at=AT))
    async with service.app.state.db.reading() as session:
        stale = await repository.get_plan(session, plan["id"])
    assert stale is not None and stale.exchange_id == "exc_a"
    await deliver(service, accepted(plan, "exc_b", at=AT + timedelta(minutes=5)))

    async def stale_read(session, plan_id):
        return stale

    monkeypatch.setattr(repository, "get_plan", stale_read)
    await deliver(service, cancelled(plan, "exc_a"))
    monkeypatch.undo()
    assert await held_by(service, plan) == ("buyback_in_progress", "exc_b")


async def test_a_completion_of_an_exchange_that_does_not_hold_the_plan_is_ignored(service):
    plan = (await service.sell()).json()
    await deliver(service, completed(plan, "exc_a"))  # never accepted for this plan
    assert await held_by(service, plan) == ("active", None)
    await deliver(service, accepted(plan, "exc_b"))
    await deliver(service, completed(plan, "exc_a"))
    assert await held_by(service, plan) == ("buyback_in_progress", "exc_b")
    assert await service.outbox_events(PlanRedeemed.TYPE) == []


async def test_the_sweep_leaves_a_plan_in_buyback_past_its_last_window_and_the_exchange_still_redeems_it(service):
    plan = (await service.sell(invoice_date="2021-03-05")).json()  # lapses on 2022-06-05
    await deliver(service, accepted(plan))
    service.clock.advance(timedelta(days=460))
    assert await lapse_due_plans(service.app.state.db, service.app.state.outbox, service.clock) == 0
    assert await status_of(service, plan) == "buyback_in_progress"
    await deliver(service, completed(plan))
    assert await status_of(service, plan) == "redeemed"
    assert (len(await service.outbox_events(PlanRedeemed.TYPE)), await service.outbox_events(PlanLapsed.TYPE)) == (1, [])
