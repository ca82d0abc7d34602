"""Accepting quotes into exchanges: one device at a time, idempotency, expiry, cancel, visibility."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from contracts.coupon import CouponExpired, CouponIssued, CouponRedeemed, CouponVoided
from valuation.testing import COURIER, OPS, OTHER_RETAILER, RETAILER, Service, customer, imei, plan_purchased


async def test_accepting_a_quote_opens_an_exchange_and_publishes_exchange_accepted(service):
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    quote = (await service.quote("acc-1", imei(2))).json()
    response = await service.accept("acc-1", quote["id"])
    assert response.status_code == 201, response.text
    exchange = response.json()
    assert exchange["id"].startswith("exc_") and exchange["status"] == "accepted"
    assert (exchange["amount_paise"], exchange["program"], exchange["plan_id"]) == (839_930, "smart_upgrade", "pln_1")
    [event] = await service.published("valuation.ExchangeAccepted")
    assert event["exchange_id"] == exchange["id"] and event["amount_paise"] == 839_930
    assert (event["program"], event["plan_id"], event["accepted_by"]) == ("smart_upgrade", "pln_1", "acc-1")
    assert (await service.http.get(f"/api/v1/quotes/{quote['id']}", headers=customer("acc-1"))).json()["status"] == "accepted"


async def test_an_accept_replayed_with_its_idempotency_key_returns_the_same_exchange(service):
    quote = (await service.quote("acc-1", imei(1))).json()
    first = await service.accept("acc-1", quote["id"], key="k-1")
    again = await service.accept("acc-1", quote["id"], key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert len(await service.published("valuation.ExchangeAccepted")) == 1


async def test_an_expired_quote_cannot_be_accepted(service):
    quote = (await service.quote("acc-1", imei(1))).json()
    service.clock.advance(timedelta(hours=72))
    response = await service.accept("acc-1", quote["id"])
    assert (response.status_code, response.json()["code"]) == (409, "quote_expired")
    assert (await service.http.get(f"/api/v1/quotes/{quote['id']}", headers=customer("acc-1"))).json()["status"] == "expired"


async def test_a_floored_quote_whose_plan_has_lapsed_on_the_accept_day_is_still_refused_once_its_72_hours_are_over(service):
    lapsing = plan_purchased("pln_1", "acc-1", imei(2)).model_copy(update={"lapses_on": date(2021, 3, 2)})
    await service.deliver(lapsing)
    quote = (await service.quote("acc-1", imei(2))).json()
    assert quote["assured"]["plan_id"] == "pln_1"
    service.clock.advance(timedelta(hours=72))
    response = await service.accept("acc-1", quote["id"])
    assert (response.status_code, response.json()["code"]) == (409, "quote_expired")


async def test_a_floor_quoted_on_a_windows_last_day_is_honoured_when_accepted_in_the_next_window(service):
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    service.clock.at = datetime(2021, 5, 4, 6, 30, tzinfo=UTC)  # noon IST on the 70 % window's last day
    quote = (await service.quote("acc-1", imei(2))).json()
    assert quote["assured"]["percent"] == 70
    service.clock.advance(timedelta(days=1))  # the 60 % window now; the plan is still active
    response = await service.accept("acc-1", quote["id"])
    assert response.status_code == 201 and response.json()["amount_paise"] == quote["amount_paise"]


async def test_one_open_exchange_per_account_and_per_imei(service):
    await service.open_exchange("acc-1", imei(1))
    second_phone = (await service.quote("acc-1", imei(2))).json()
    response = await service.accept("acc-1", second_phone["id"])
    assert (response.status_code, response.json()["code"]) == (409, "exchange_already_open")
    same_phone = (await service.quote("acc-2", imei(1))).json()
    response = await service.accept("acc-2", same_phone["id"])
    assert (response.status_code, response.json()["code"]) == (409, "exchange_already_open")


async def test_two_concurrent_accepts_by_one_account_make_exactly_one_exchange(service):
    for round_ in range(3):
        account = f"acc-race-{round_}"
        quotes = [(await service.quote(account, imei(100 + 2 * round_ + i))).json() for i in range(2)]
        responses = await asyncio.gather(*(service.accept(account, q["id"]) for q in quotes))
        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
        listed = (await service.http.get("/api/v1/me/exchanges", headers=customer(account))).json()["items"]
        assert len(listed) == 1


async def cancel(service: Service, exchange: dict[str, Any]) -> httpx.Response:
    return await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer(exchange["account_id"]))


def coupon_voided(exchange: dict[str, Any], now: datetime, reason: str = "customer_cancelled") -> CouponVoided:
    return CouponVoided(coupon_id="cpn_1", exchange_id=exchange["id"], account_id=exchange["account_id"], reason=reason, voided_at=now)


async def test_the_owners_cancel_asks_the_coupon_service_and_completes_when_the_coupon_is_voided(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    response = await cancel(service, exchange)
    assert response.status_code == 200 and response.json()["status"] == "cancelling"
    [request] = await service.published("valuation.ExchangeCancellationRequested")
    assert (request["exchange_id"], request["account_id"], request["reason"]) == (exchange["id"], "acc-1", "customer_cancelled")
    assert await service.published("valuation.ExchangeCancelled") == []
    again = await cancel(service, exchange)  # asking again while cancelling: the same answer, no second request
    assert again.status_code == 200 and again.json()["status"] == "cancelling"
    assert len(await service.published("valuation.ExchangeCancellationRequested")) == 1
    other_phone = (await service.quote("acc-1", imei(2))).json()  # still open: it holds the account's slot
    assert (await service.accept("acc-1", other_phone["id"])).json()["code"] == "exchange_already_open"

    await service.deliver(coupon_voided(exchange, service.clock.now()))
    seen = (await service.http.get(f"/api/v1/exchanges/{exchange['id']}", headers=customer("acc-1"))).json()
    assert (seen["status"], seen["cancel_reason"]) == ("cancelled", "customer_cancelled")
    [event] = await service.published("valuation.ExchangeCancelled")
    assert (event["exchange_id"], event["reason"], event["discounted_paise"]) == (exchange["id"], "customer_cancelled", 0)
    await service.deliver(coupon_voided(exchange, service.clock.now()))  # a repeat changes nothing
    assert len(await service.published("valuation.ExchangeCancelled")) == 1
    refused = await cancel(service, exchange)
    assert (refused.status_code, refused.json()["code"]) == (409, "exchange_not_cancellable")
    await service.open_exchange("acc-1", imei(1))


async def test_a_cancel_that_loses_the_race_to_an_order_ends_awaiting_handover(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    now = service.clock.now()
    await service.deliver(CouponIssued(
        coupon_id="cpn_1", code="ABCD-EFGH-JKLM-NPQR", exchange_id=exchange["id"], account_id="acc-1", amount_paise=exchange["amount_paise"],
        issued_at=now, expires_at=now + timedelta(days=14)))  # fmt: skip
    assert (await cancel(service, exchange)).json()["status"] == "cancelling"
    await service.deliver(CouponRedeemed(
        coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", redemption_id="rdm_1", order_id="ord-1",
        discount_paise=exchange["amount_paise"], forfeited_paise=0, redeemed_at=now))  # fmt: skip
    seen = (await service.http.get(f"/api/v1/exchanges/{exchange['id']}", headers=customer("acc-1"))).json()
    assert (seen["status"], seen["discounted_paise"], seen["cancel_reason"]) == ("awaiting_handover", exchange["amount_paise"], None)
    assert await service.published("valuation.ExchangeCancelled") == []
    refused = await cancel(service, exchange)
    assert (refused.status_code, refused.json()["code"]) == (409, "exchange_not_cancellable")


async def test_a_coupon_expiring_while_cancelling_cancels_with_reason_coupon_expired(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    await cancel(service, exchange)
    expired = CouponExpired(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", expired_at=service.clock.now())
    await service.deliver(expired)
    [event] = await service.published("valuation.ExchangeCancelled")
    assert event["reason"] == "coupon_expired"
    await service.deliver(coupon_voided(exchange, service.clock.now()))  # too late: nothing more
    assert len(await service.published("valuation.ExchangeCancelled")) == 1


async def test_nobody_but_the_owner_cancels(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    for other in (customer("acc-2"), RETAILER):
        assert (await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=other)).status_code == 404


async def test_a_retailer_accepts_on_the_customers_behalf_and_both_see_the_exchange(service):
    body = {"imei": imei(1), "account_id": "acc-1", "condition": {"powers_on": True, "screen": "flawless", "body": "flawless"}}
    quote = (await service.http.post("/api/v1/quotes", json=body, headers=RETAILER)).json()
    response = await service.http.post(f"/api/v1/quotes/{quote['id']}/accept", headers=RETAILER)
    assert response.status_code == 201, response.text
    path = f"/api/v1/exchanges/{response.json()['id']}"
    for allowed in (customer("acc-1"), RETAILER, OPS):
        assert (await service.http.get(path, headers=allowed)).status_code == 200
    for stranger in (customer("acc-2"), OTHER_RETAILER, COURIER):
        assert (await service.http.get(path, headers=stranger)).status_code == 404


async def test_another_retailer_cannot_accept_a_quote_it_did_not_make(service):
    quote = (await service.quote("acc-1", imei(1))).json()
    response = await service.http.post(f"/api/v1/quotes/{quote['id']}/accept", headers=OTHER_RETAILER)
    assert response.status_code == 404


async def test_my_exchanges_pages_newest_first(service):
    for serial in range(3):
        exchange = await service.open_exchange("acc-1", imei(serial))
        await cancel(service, exchange)
        await service.deliver(coupon_voided(exchange, service.clock.now()))
        service.clock.advance(timedelta(minutes=1))
    first = (await service.http.get("/api/v1/me/exchanges?limit=2", headers=customer("acc-1"))).json()
    assert [e["imei"] for e in first["items"]] == [imei(2), imei(1)]
    rest = (await service.http.get(f"/api/v1/me/exchanges?limit=2&cursor={first['next_cursor']}", headers=customer("acc-1"))).json()
    assert [e["imei"] for e in rest["items"]] == [imei(0)] and rest["next_cursor"] is None
