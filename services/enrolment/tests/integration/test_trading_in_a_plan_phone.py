"""A traded-in phone's plan ends: a plain exchange of a plan's IMEI ends the plan as traded in, for good."""

import json
from datetime import UTC, datetime, timedelta

from contracts.enrolment import PlanRedeemed
from contracts.valuation import ExchangeAccepted, ExchangeCancelled, ExchangeCompleted, Program
from enrolment.testing import MODEL_ID, OWNER, RETAILER, as_, new_imei

# 10 March 2021, two days after the sale: month 1, before the first window, inside the 14-day refund period.
AT = datetime(2021, 3, 10, 6, 30, tzinfo=UTC)


def accepted(plan: dict, program: Program = "exchange") -> ExchangeAccepted:
    return ExchangeAccepted(
        exchange_id="exc_t", quote_id="qte_t", account_id=plan["account_id"], imei=plan["imei"], model_id=MODEL_ID, amount_paise=650_000,
        program=program, plan_id=plan["id"], accepted_by=plan["account_id"], accepted_at=AT,
    )  # fmt: skip


def completed(plan: dict, program: Program | None = "exchange") -> ExchangeCompleted:
    return ExchangeCompleted(
        exchange_id="exc_t", account_id=plan["account_id"], imei=plan["imei"], amount_paise=650_000, plan_id=plan["id"], program=program,
        completed_at=AT + timedelta(days=1),
    )  # fmt: skip


def cancelled(plan: dict) -> ExchangeCancelled:
    return ExchangeCancelled(
        exchange_id="exc_t", account_id=plan["account_id"], imei=plan["imei"], amount_paise=650_000, plan_id=plan["id"],
        reason="coupon_expired", cancelled_at=AT + timedelta(days=14),
    )  # fmt: skip


async def shown(service, plan: dict) -> dict:
    return (await service.http.get(f"/api/v1/plans/{plan['id']}", headers=as_(OWNER))).json()


async def test_a_plain_exchange_in_months_1_to_3_holds_the_plan_then_ends_it_traded_in(service):
    imei = new_imei()
    plan = (await service.sell(imei)).json()
    await service.deliver(accepted(plan))
    assert (await shown(service, plan))["status"] == "buyback_in_progress"

    service.clock.advance(timedelta(days=1))
    await service.deliver(completed(plan))
    ended = await shown(service, plan)
    assert (ended["status"], ended["exchange_id"], ended["redeemed_at"]) == ("traded_in", "exc_t", None)
    assert ended["traded_in_at"] == "2021-03-11T06:30:00Z"
    [envelope] = await service.outbox_events(PlanRedeemed.TYPE)
    event = json.loads(envelope)["data"]
    assert (event["outcome"], event["exchange_id"], event["redeemed_at"]) == ("traded_in", "exc_t", "2021-03-11T06:30:00Z")
    assert (await service.sell(imei)).status_code == 201  # the phone changed hands: its IMEI may be enrolled again


async def test_a_traded_in_plan_is_not_cancellable_even_within_14_days_so_its_fee_is_not_refunded(service):
    plan = (await service.sell()).json()
    await service.deliver(accepted(plan))
    await service.deliver(completed(plan))
    for who in (OWNER, RETAILER):
        refused = await service.http.post(f"/api/v1/plans/{plan['id']}/cancel", headers=as_(who))
        assert (refused.status_code, refused.json()["code"]) == (409, "plan_not_cancellable")
    assert (await shown(service, plan))["refund_paise"] is None


async def test_a_traded_in_plan_is_worth_nothing_any_more(service):
    plan = (await service.sell()).json()
    await service.deliver(accepted(plan))
    await service.deliver(completed(plan))
    value = (await service.http.get(f"/api/v1/plans/{plan['id']}/buyback-value", params={"on": "2021-07-01"}, headers=as_(OWNER))).json()
    assert (value["status"], value["percent"], value["amount_paise"], value["window"]) == ("traded_in", None, None, None)
    mine = (await service.http.get("/api/v1/me/plans", headers=as_(OWNER))).json()["items"]
    assert [p["status"] for p in mine if p["id"] == plan["id"]] == ["traded_in"]


async def test_a_smart_upgrade_completion_redeems_the_plan_and_says_so(service):
    plan = (await service.sell()).json()
    await service.deliver(accepted(plan, program="smart_upgrade"))
    await service.deliver(completed(plan, program="smart_upgrade"))
    ended = await shown(service, plan)
    assert (ended["status"], ended["traded_in_at"]) == ("redeemed", None) and ended["redeemed_at"] is not None
    [envelope] = await service.outbox_events(PlanRedeemed.TYPE)
    assert json.loads(envelope)["data"]["outcome"] == "redeemed"


async def test_a_plain_exchange_that_falls_through_returns_the_plan_to_active(service):
    plan = (await service.sell()).json()
    await service.deliver(accepted(plan))
    await service.deliver(cancelled(plan))
    assert (await shown(service, plan))["status"] == "active"
    await service.deliver(completed(plan))  # a completion of the exchange that no longer holds the plan changes nothing
    assert (await shown(service, plan))["status"] == "active"
    assert await service.outbox_events(PlanRedeemed.TYPE) == []
