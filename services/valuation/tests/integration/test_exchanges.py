"""Accepting quotes into exchanges: one device at a time, idempotency, expiry, cancel, visibility."""

import asyncio
from datetime import timedelta

from valuation.events import inbound
from valuation.testing import COURIER, OPS, OTHER_RETAILER, RETAILER, customer, imei, plan_purchased


async def test_accepting_a_quote_opens_an_exchange_and_publishes_exchange_accepted(service):
    await service.deliver(inbound.on_plan_purchased, plan_purchased("pln_1", "acc-1", imei(2)))
    quote = (await service.quote("acc-1", imei(2))).json()
    response = await service.accept("acc-1", quote["id"])
    assert response.status_code == 201, response.text
    exchange = response.json()
    assert exchange["id"].startswith("exc_") and exchange["status"] == "accepted"
    assert (exchange["amount_paise"], exchange["program"], exchange["plan_id"]) == (839_900, "smart_upgrade", "pln_1")
    [event] = await service.published("valuation.ExchangeAccepted")
    assert event["exchange_id"] == exchange["id"] and event["amount_paise"] == 839_900
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


async def test_the_owner_cancels_before_the_coupon_is_used_and_may_then_trade_again(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    response = await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer("acc-1"))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    [event] = await service.published("valuation.ExchangeCancelled")
    assert (event["reason"], event["discounted_paise"]) == ("customer_cancelled", 0)
    again = await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer("acc-1"))
    assert (again.status_code, again.json()["code"]) == (409, "exchange_not_cancellable")
    await service.open_exchange("acc-1", imei(1))


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
        await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer("acc-1"))
        service.clock.advance(timedelta(minutes=1))
    first = (await service.http.get("/api/v1/me/exchanges?limit=2", headers=customer("acc-1"))).json()
    assert [e["imei"] for e in first["items"]] == [imei(2), imei(1)]
    rest = (await service.http.get(f"/api/v1/me/exchanges?limit=2&cursor={first['next_cursor']}", headers=customer("acc-1"))).json()
    assert [e["imei"] for e in rest["items"]] == [imei(0)] and rest["next_cursor"] is None
