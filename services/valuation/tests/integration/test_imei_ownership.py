"""IMEI squatting (docs/valuation.md, "IMEI ownership and superseding"): the owner is never locked out, a squatter keeps nothing.

- The IMEI of a live Smart Upgrade plan (either IMEI of a dual-SIM phone) is quoted and accepted only
  for the plan's account: anyone else gets 422 `device_not_eligible` / `registered_to_another_account`.
- An accept with a stronger claim to the phone (the plan's account; a retail partner in store with
  the device present) supersedes another account's open exchange of it that was not handed over.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from contracts.coupon import CouponIssued, CouponRedeemed, CouponReleased, CouponVoided
from valuation.db.tables import outbox
from valuation.testing import COURIER, FLAWLESS, OTHER_RETAILER, RETAILER, Service, customer, imei, plan_purchased

REGISTERED = (422, "device_not_eligible", ["registered_to_another_account"])
GOOD_CHECKLIST = {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True}


def refusal(response: httpx.Response) -> tuple[int, str | None, list[str] | None]:
    body = response.json()
    return response.status_code, body.get("code"), body.get("reasons")


async def partner_quote(service: Service, account: str, device: str, partner: dict[str, str] = RETAILER) -> httpx.Response:
    body = {"imei": device, "account_id": account, "condition": FLAWLESS}
    return await service.http.post("/api/v1/quotes", json=body, headers=partner)


async def in_store_accept(service: Service, quote_id: str, device_present: bool = True, key: str | None = None, partner: dict[str, str] = RETAILER) -> httpx.Response:
    headers = partner | ({"idempotency-key": key} if key else {})
    return await service.http.post(f"/api/v1/quotes/{quote_id}/accept", json={"device_present": device_present}, headers=headers)


async def in_store_exchange(service: Service, account: str, device: str, key: str | None = None) -> httpx.Response:
    quote = await partner_quote(service, account, device)
    assert quote.status_code == 201, quote.text
    return await in_store_accept(service, quote.json()["id"], key=key)


async def seen(service: Service, exchange: dict[str, Any]) -> dict[str, Any]:
    return (await service.http.get(f"/api/v1/exchanges/{exchange['id']}", headers=customer(exchange["account_id"]))).json()


async def coupon_issued(service: Service, exchange: dict[str, Any]) -> None:
    now = service.clock.now()
    await service.deliver(CouponIssued(
        coupon_id=f"cpn_{exchange['id']}", code="ABCD-EFGH-JKLM-NPQR", exchange_id=exchange["id"], account_id=exchange["account_id"],
        amount_paise=exchange["amount_paise"], issued_at=now, expires_at=now + timedelta(days=14)))  # fmt: skip


def coupon_redeemed(exchange: dict[str, Any], now: datetime, discount: int) -> CouponRedeemed:
    return CouponRedeemed(coupon_id=f"cpn_{exchange['id']}", exchange_id=exchange["id"], account_id=exchange["account_id"], redemption_id="rdm_1",
                          order_id="ord-squat", discount_paise=discount, forfeited_paise=0, redeemed_at=now)  # fmt: skip


async def event_types(service: Service) -> list[tuple[str, str]]:
    """(type, key) of every event in the outbox, in the order it will be published."""
    async with service.app.state.db.reading() as session:
        return [(r.type, r.key) for r in await session.execute(select(outbox.c.type, outbox.c.key).order_by(outbox.c.id))]


# --- a plan's IMEI belongs to the plan's account -----------------------------------------------------


async def test_a_squatter_can_neither_quote_nor_accept_either_imei_of_a_plan_the_owner_and_a_retailer_for_the_owner_can(service):
    dual_sim = plan_purchased("pln_1", "acc-owner", imei(2)).model_copy(update={"imei2": imei(3)})
    await service.deliver(dual_sim)
    for device in (imei(2), imei(3)):
        assert refusal(await service.quote("acc-squatter", device)) == REGISTERED
        assert refusal(await partner_quote(service, "acc-squatter", device)) == REGISTERED  # a partner acting for the squatter
    assert await service.published("valuation.ExchangeAccepted") == []

    own = await service.quote("acc-owner", imei(3))  # the owner, by either IMEI, with the assured floor
    assert own.status_code == 201 and own.json()["assured"]["plan_id"] == "pln_1"
    for_owner = await partner_quote(service, "acc-owner", imei(2))
    assert for_owner.status_code == 201 and for_owner.json()["program"] == "smart_upgrade"
    accepted = await in_store_accept(service, for_owner.json()["id"], device_present=False)
    assert accepted.status_code == 201, accepted.text
    assert (accepted.json()["account_id"], accepted.json()["plan_id"], accepted.json()["device_present"]) == ("acc-owner", "pln_1", False)


async def test_a_plan_arriving_after_the_squatters_quote_refuses_the_accept_and_the_refusal_is_replayed(service):
    quote = (await service.quote("acc-squatter", imei(4))).json()
    await service.deliver(plan_purchased("pln_1", "acc-owner", imei(4)))
    first = await service.accept("acc-squatter", quote["id"], key="squat-1")
    assert refusal(first) == REGISTERED
    again = await service.accept("acc-squatter", quote["id"], key="squat-1")
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert await service.published("valuation.ExchangeAccepted") == []
    await service.open_exchange("acc-owner", imei(4))  # the owner is not locked out


async def test_the_plans_owner_supersedes_an_exchange_a_squatter_opened_before_the_plan_arrived_on_either_imei(service):
    squatted = await service.open_exchange("acc-squatter", imei(6))  # the dual-SIM phone's second IMEI
    await coupon_issued(service, squatted)
    await service.deliver(plan_purchased("pln_1", "acc-owner", imei(5)).model_copy(update={"imei2": imei(6)}))

    owners = await service.open_exchange("acc-owner", imei(5))  # online: the plan is the proof
    assert (owners["status"], owners["plan_id"]) == ("accepted", "pln_1")
    gone = await seen(service, squatted)
    assert (gone["status"], gone["cancel_reason"], gone["discounted_paise"]) == ("cancelled", "superseded", 0)
    [cancelled] = await service.published("valuation.ExchangeCancelled")
    assert (cancelled["exchange_id"], cancelled["reason"], cancelled["discounted_paise"]) == (squatted["id"], "superseded", 0)
    # Both events in the accept's transaction: the superseded exchange's cancellation first.
    assert [t for t, _ in await event_types(service)][-2:] == ["valuation.ExchangeCancelled", "valuation.ExchangeAccepted"]
    # The squatter can no longer cancel (nothing is left to take back) nor see the owner's exchange.
    refused = await service.http.post(f"/api/v1/exchanges/{squatted['id']}/cancel", headers=customer("acc-squatter"))
    assert (refused.status_code, refused.json()["code"]) == (409, "exchange_not_cancellable")
    assert (await service.http.get(f"/api/v1/exchanges/{owners['id']}", headers=customer("acc-squatter"))).status_code == 404
    # The coupon service's answer (CouponVoided, reason superseded) is only an echo here.
    now = service.clock.now()
    voided = CouponVoided(coupon_id=f"cpn_{squatted['id']}", exchange_id=squatted["id"], account_id="acc-squatter", reason="superseded", voided_at=now)
    await service.deliver(voided)
    assert (await seen(service, squatted))["status"] == "cancelled"
    assert len(await service.published("valuation.ExchangeCancelled")) == 1


# --- in store, with the device present --------------------------------------------------------------


async def test_in_store_with_the_device_present_supersedes_an_online_exchange_once_even_when_replayed(service):
    online = await service.open_exchange("acc-squatter", imei(7))
    await coupon_issued(service, online)
    quote = (await partner_quote(service, "acc-owner", imei(7))).json()
    plain = await in_store_accept(service, quote["id"], device_present=False)
    assert (plain.status_code, plain.json()["code"]) == (409, "exchange_already_open")  # no supersede without the device

    first = await in_store_accept(service, quote["id"], key="store-1")
    assert first.status_code == 201, first.text
    assert (first.json()["account_id"], first.json()["device_present"], first.json()["status"]) == ("acc-owner", True, "accepted")
    again = await in_store_accept(service, quote["id"], key="store-1")
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"

    gone = await seen(service, online)
    assert (gone["status"], gone["cancel_reason"]) == ("cancelled", "superseded")
    [cancelled] = await service.published("valuation.ExchangeCancelled")
    assert (cancelled["exchange_id"], cancelled["account_id"], cancelled["reason"]) == (online["id"], "acc-squatter", "superseded")
    accepted = await service.published("valuation.ExchangeAccepted")
    assert [e["account_id"] for e in accepted] == ["acc-squatter", "acc-owner"]


async def test_device_present_is_honoured_for_retail_partners_only(service):
    quote = (await service.quote("acc-1", imei(8))).json()
    refused = await service.http.post(f"/api/v1/quotes/{quote['id']}/accept", json={"device_present": True}, headers=customer("acc-1"))
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_error")
    assert refused.json()["errors"][0]["field"] == "device_present"
    stranger = await service.http.post(f"/api/v1/quotes/{quote['id']}/accept", json={"device_present": True}, headers=OTHER_RETAILER)
    assert stranger.status_code == 404  # a retailer still accepts only the quotes it made


async def test_no_supersede_of_the_same_account_nor_of_an_equal_or_stronger_claim(service):
    # The same account's second phone: one device at a time, whatever the store says.
    await service.open_exchange("acc-1", imei(9))
    same_account = await in_store_exchange(service, "acc-1", imei(10))
    assert (same_account.status_code, same_account.json()["code"]) == (409, "exchange_already_open")
    # A device-present exchange is not superseded by another device-present accept.
    assert (await in_store_exchange(service, "acc-2", imei(11))).status_code == 201
    equal = await in_store_exchange(service, "acc-3", imei(11))
    assert (equal.status_code, equal.json()["code"]) == (409, "exchange_already_open")
    # A plan's exchange is never superseded (nobody else may even quote its IMEI).
    await service.deliver(plan_purchased("pln_1", "acc-4", imei(12)))
    await service.open_exchange("acc-4", imei(12))
    assert refusal(await partner_quote(service, "acc-5", imei(12))) == REGISTERED
    assert await service.published("valuation.ExchangeCancelled") == []


# --- the coupon already spent -----------------------------------------------------------------------


async def test_a_superseded_exchange_whose_coupon_was_spent_is_revoked_with_the_discount_to_claw_back(service):
    online = await service.open_exchange("acc-squatter", imei(13))
    await coupon_issued(service, online)
    await service.deliver(coupon_redeemed(online, service.clock.now(), online["amount_paise"]))
    assert (await seen(service, online))["status"] == "awaiting_handover"

    owners = await in_store_exchange(service, "acc-owner", imei(13))
    assert owners.status_code == 201, owners.text
    gone = await seen(service, online)
    assert (gone["status"], gone["cancel_reason"], gone["discounted_paise"]) == ("revoked", "superseded", online["amount_paise"])
    [cancelled] = await service.published("valuation.ExchangeCancelled")
    assert (cancelled["reason"], cancelled["discounted_paise"]) == ("superseded", online["amount_paise"])
    # The squatter's courier cannot complete it any more.
    body = {"imei": imei(13), "checklist": GOOD_CHECKLIST, "condition": FLAWLESS, "evidence": []}
    handover = await service.http.post(f"/api/v1/exchanges/{online['id']}/handover", json=body, headers=COURIER)
    assert (handover.status_code, handover.json()["code"]) == (409, "exchange_not_awaiting_handover")
    # The squatter's order is cancelled: the coupon service voids the coupon; nothing is left to claw back.
    now = service.clock.now()
    released = CouponReleased(coupon_id=f"cpn_{online['id']}", exchange_id=online["id"], account_id="acc-squatter", redemption_id="rdm_1",
                              order_id="ord-squat", expires_at=now + timedelta(days=14), released_at=now)  # fmt: skip
    await service.deliver(released)
    gone = await seen(service, online)
    assert (gone["status"], gone["discounted_paise"]) == ("revoked", 0)
    assert len(await service.published("valuation.ExchangeCancelled")) == 1


async def test_a_coupon_spent_before_the_supersede_reached_it_revokes_the_exchange_and_announces_the_discount(service):
    # Valuation saw the coupon unused when it superseded; the order had redeemed it a moment before.
    online = await service.open_exchange("acc-squatter", imei(14))
    await coupon_issued(service, online)
    assert (await in_store_exchange(service, "acc-owner", imei(14))).status_code == 201
    assert (await seen(service, online))["status"] == "cancelled"
    redeemed = coupon_redeemed(online, service.clock.now(), 250_000)
    await service.deliver(redeemed)
    gone = await seen(service, online)
    assert (gone["status"], gone["cancel_reason"], gone["discounted_paise"]) == ("revoked", "superseded", 250_000)
    first, second = await service.published("valuation.ExchangeCancelled")
    assert (first["discounted_paise"], second["discounted_paise"]) == (0, 250_000)
    assert first["exchange_id"] == second["exchange_id"] == online["id"] and second["reason"] == "superseded"
    await service.deliver(redeemed)  # a repeat changes nothing more
    assert len(await service.published("valuation.ExchangeCancelled")) == 2


# --- races ------------------------------------------------------------------------------------------


async def test_two_stores_racing_to_supersede_one_exchange_supersede_it_once(service):
    for round_ in range(3):
        device = imei(200 + round_)
        online = await service.open_exchange(f"acc-squatter-{round_}", device)
        quotes = [(await partner_quote(service, f"acc-{round_}-{i}", device)).json() for i in range(2)]
        responses = await asyncio.gather(*(in_store_accept(service, q["id"]) for q in quotes))
        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
        assert (await seen(service, online))["cancel_reason"] == "superseded"
    cancelled = await service.published("valuation.ExchangeCancelled")
    assert len(cancelled) == 3 and len({e["exchange_id"] for e in cancelled}) == 3


async def test_the_owner_in_store_racing_a_squatter_online_ends_holding_the_phone(service):
    for round_ in range(3):
        device = imei(300 + round_)
        squat = (await service.quote(f"acc-squatter-{round_}", device)).json()
        store = (await partner_quote(service, f"acc-owner-{round_}", device)).json()
        online, in_store = await asyncio.gather(service.accept(f"acc-squatter-{round_}", squat["id"]), in_store_accept(service, store["id"]))
        if in_store.status_code == 409:  # lost the insert race on PostgreSQL: a retry supersedes the winner
            in_store = await in_store_accept(service, store["id"])
        assert in_store.status_code == 201, in_store.text
        assert online.status_code in (201, 409), online.text
        if online.status_code == 201:
            assert (await seen(service, online.json()))["cancel_reason"] == "superseded"
