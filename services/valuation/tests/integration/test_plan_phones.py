"""Exchanges of a Smart Upgrade plan's phone (docs/valuation.md, "A plan's phone in an exchange").

- A floored quote whose plan no longer backs the floor at accept is accepted at its market offer
  (program `exchange`) while the quote is within its 72 hours; below Rs 100 it is `no_value`.
- Every exchange of a plan's IMEI by the plan's account records the plan, floored or not, and its
  events say so: ExchangeAccepted, ExchangeCompleted (with the program) and ExchangeCancelled.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from contracts.coupon import CouponVoided
from contracts.enrolment import PlanCancelled, PlanLapsed
from valuation.testing import OPS, PHONE, PHONE_PRICE, Service, customer, imei, plan_purchased

FLOOR = 839_930  # the test plan's 70 % window


async def seen(service: Service, exchange: dict[str, Any]) -> dict[str, Any]:
    return (await service.http.get(f"/api/v1/exchanges/{exchange['id']}", headers=customer(exchange["account_id"]))).json()


async def floored_quote(service: Service, account: str = "acc-1", device: str | None = None, **plan_changes: Any) -> dict[str, Any]:
    await service.deliver(plan_purchased("pln_1", account, device or imei(2)).model_copy(update=plan_changes))
    quote = (await service.quote(account, device or imei(2))).json()
    assert (quote["program"], quote["amount_paise"], quote["market_offer_paise"]) == ("smart_upgrade", FLOOR, PHONE_PRICE)
    return quote


# --- a lapse during an open quote ---------------------------------------------------------------------


async def test_a_floored_quote_whose_plan_lapses_before_accept_is_accepted_at_its_market_offer(service):
    quote = await floored_quote(service, lapses_on=date(2021, 3, 2))
    service.clock.advance(timedelta(hours=18))  # 06:00 IST on the lapse day, whether or not PlanLapsed has arrived
    response = await service.accept("acc-1", quote["id"])
    assert response.status_code == 201, response.text
    exchange = response.json()
    assert (exchange["amount_paise"], exchange["program"], exchange["plan_id"]) == (PHONE_PRICE, "exchange", None)
    [event] = await service.published("valuation.ExchangeAccepted")
    assert (event["amount_paise"], event["program"], event["plan_id"]) == (PHONE_PRICE, "exchange", None)
    assert (await service.http.get(f"/api/v1/quotes/{quote['id']}", headers=customer("acc-1"))).json()["status"] == "accepted"


async def test_a_floored_quote_whose_plan_was_cancelled_or_lapsed_since_is_accepted_at_its_market_offer(service):
    for serial, closed in enumerate((PlanCancelled, PlanLapsed)):
        account, device = f"acc-{serial}", imei(10 + serial)
        await service.deliver(plan_purchased(f"pln_{serial}", account, device))
        quote = (await service.quote(account, device)).json()
        assert quote["program"] == "smart_upgrade"
        common = {"plan_id": f"pln_{serial}", "account_id": account, "imei": device}
        if closed is PlanCancelled:
            await service.deliver(PlanCancelled(**common, refund_paise=49_900, cancelled_at=service.clock.now()))
        else:
            await service.deliver(PlanLapsed(**common, lapsed_on=service.clock.today()))
        response = await service.accept(account, quote["id"])
        assert response.status_code == 201, response.text
        assert (response.json()["amount_paise"], response.json()["program"], response.json()["plan_id"]) == (PHONE_PRICE, "exchange", None)


async def test_a_lapsed_floor_over_a_market_offer_below_rs_100_leaves_no_offer(service):
    assert (await service.http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": 9_999}, headers=OPS)).status_code == 200
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)).model_copy(update={"lapses_on": date(2021, 3, 2)}))
    quote = (await service.quote("acc-1", imei(2))).json()
    assert (quote["amount_paise"], quote["market_offer_paise"]) == (FLOOR, 9_900)  # the floor alone made it worth taking
    service.clock.advance(timedelta(hours=18))
    response = await service.accept("acc-1", quote["id"], key="lapsed-1")
    assert (response.status_code, response.json()["code"], response.json()["reasons"]) == (422, "device_not_eligible", ["no_value"])
    again = await service.accept("acc-1", quote["id"], key="lapsed-1")
    assert again.content == response.content and again.headers["idempotent-replayed"] == "true"
    assert await service.published("valuation.ExchangeAccepted") == []


async def test_an_exchange_accepted_at_the_market_offer_is_judged_at_handover_without_the_floor(service):
    quote = await floored_quote(service, lapses_on=date(2021, 3, 2))
    service.clock.advance(timedelta(hours=18))
    exchange = (await service.accept("acc-1", quote["id"])).json()
    await service.coupon_used(exchange)
    worse = {"powers_on": True, "screen": "minor_scratches", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}
    response = await service.hand_over(exchange, worse)  # the floor would have covered this; the market offer does not
    assert (response.json()["outcome"], response.json()["reasons"], response.json()["repriced_paise"]) == (
        "revoked", ["condition_worse_than_quoted"], 760_000,
    )  # fmt: skip


# --- the plan an exchange ends ------------------------------------------------------------------------


async def test_a_plan_phone_exchanged_in_months_1_to_3_carries_the_plan_and_completes_as_a_trade_in(service):
    service.clock.at = datetime(2021, 1, 10, 6, 30, tzinfo=UTC)  # before the first window: no floor yet
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    quote = (await service.quote("acc-1", imei(2))).json()
    assert (quote["program"], quote["assured"]) == ("exchange", None)
    exchange = (await service.accept("acc-1", quote["id"])).json()
    assert (exchange["program"], exchange["plan_id"], exchange["amount_paise"]) == ("exchange", "pln_1", PHONE_PRICE)
    [accepted] = await service.published("valuation.ExchangeAccepted")
    assert (accepted["program"], accepted["plan_id"]) == ("exchange", "pln_1")

    await service.coupon_used(exchange)
    assert (await service.hand_over(exchange)).json()["outcome"] == "completed"
    [completed] = await service.published("valuation.ExchangeCompleted")
    assert (completed["exchange_id"], completed["plan_id"], completed["program"]) == (exchange["id"], "pln_1", "exchange")
    # The phone changed hands: its plan no longer makes it the plan account's alone.
    assert (await service.quote("acc-new-owner", imei(2))).status_code == 201


async def test_a_plan_phone_priced_above_its_floor_carries_the_plan_and_completes_as_a_redemption(service):
    assert (await service.http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": 1_000_000}, headers=OPS)).status_code == 200
    dual_sim = plan_purchased("pln_1", "acc-1", imei(2)).model_copy(update={"imei2": imei(3)})
    await service.deliver(dual_sim)
    quote = (await service.quote("acc-1", imei(3))).json()  # by the phone's second IMEI
    assert (quote["program"], quote["amount_paise"], quote["assured"]["amount_paise"]) == ("smart_upgrade", 1_000_000, FLOOR)
    exchange = (await service.accept("acc-1", quote["id"])).json()
    assert (exchange["program"], exchange["plan_id"]) == ("smart_upgrade", "pln_1")
    await service.coupon_used(exchange)
    assert (await service.hand_over(exchange)).json()["outcome"] == "completed"
    [completed] = await service.published("valuation.ExchangeCompleted")
    assert (completed["plan_id"], completed["program"], completed["amount_paise"]) == ("pln_1", "smart_upgrade", 1_000_000)


async def test_a_plan_arriving_between_quote_and_accept_is_the_exchanges_plan(service):
    quote = (await service.quote("acc-1", imei(2))).json()
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    exchange = (await service.accept("acc-1", quote["id"])).json()
    assert (exchange["program"], exchange["amount_paise"], exchange["plan_id"]) == ("exchange", PHONE_PRICE, "pln_1")


async def test_a_cancelled_exchange_of_a_plan_phone_gives_the_plan_back_by_naming_it(service):
    service.clock.at = datetime(2021, 1, 10, 6, 30, tzinfo=UTC)
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    exchange = await service.open_exchange("acc-1", imei(2))
    assert (await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer("acc-1"))).status_code == 200
    now = service.clock.now()
    await service.deliver(CouponVoided(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", reason="customer_cancelled", voided_at=now))
    [cancelled] = await service.published("valuation.ExchangeCancelled")
    assert (cancelled["exchange_id"], cancelled["plan_id"], cancelled["reason"]) == (exchange["id"], "pln_1", "customer_cancelled")
    assert (await service.quote("acc-other", imei(2))).json()["reasons"] == ["registered_to_another_account"]  # still the plan's phone


async def test_a_revoked_handover_leaves_the_plan_with_its_account(service):
    quote = await floored_quote(service)
    exchange = (await service.accept("acc-1", quote["id"])).json()
    await service.coupon_used(exchange)
    broken = {"powers_on": True, "screen": "cracked", "body": "flawless", "functional_issues": [], "accessories": []}
    assert (await service.hand_over(exchange, broken)).json()["outcome"] == "revoked"
    [cancelled] = await service.published("valuation.ExchangeCancelled")
    assert (cancelled["plan_id"], cancelled["reason"]) == ("pln_1", "handover_failed")
    assert await service.published("valuation.ExchangeCompleted") == []
    assert (await seen(service, exchange))["status"] == "revoked"
    assert (await service.quote("acc-other", imei(2))).json()["reasons"] == ["registered_to_another_account"]
