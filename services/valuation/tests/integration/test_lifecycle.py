"""The exchange moving with its coupon, and the handover at delivery."""

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from contracts.coupon import CouponExpired, CouponIssued, CouponRedeemed, CouponReleased, CouponVoided
from valuation.db.tables import inspections
from valuation.testing import COURIER, OPS, OTHER_RETAILER, RETAILER, Service, customer, imei

GOOD_CHECKLIST = {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True}
AS_QUOTED = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}


def issued(exchange: dict[str, Any], now: datetime) -> CouponIssued:
    return CouponIssued(coupon_id="cpn_1", code="ABCD-EFGH-JKLM-NPQR", exchange_id=exchange["id"], account_id=exchange["account_id"],
                        amount_paise=exchange["amount_paise"], issued_at=now, expires_at=now + timedelta(days=14))


def redeemed(exchange: dict[str, Any], now: datetime) -> CouponRedeemed:
    return CouponRedeemed(coupon_id="cpn_1", exchange_id=exchange["id"], account_id=exchange["account_id"], redemption_id="rdm_1",
                          order_id="ord-1", discount_paise=exchange["amount_paise"], forfeited_paise=0, redeemed_at=now)


async def status_of(service: Service, exchange: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    return (await service.http.get(f"/api/v1/exchanges/{exchange['id']}", headers=headers or customer(exchange["account_id"]))).json()


async def awaiting_handover(service: Service) -> dict[str, Any]:
    exchange = await service.open_exchange("acc-1", imei(1))
    now = service.clock.now()
    await service.deliver(issued(exchange, now))
    await service.deliver(redeemed(exchange, now))
    return exchange


async def hand_over(service: Service, exchange: dict[str, Any], key: str, **changes: Any) -> httpx.Response:
    body = {"imei": exchange["imei"], "checklist": GOOD_CHECKLIST, "condition": AS_QUOTED, "evidence": ["s3://handover/1.jpg"]} | changes
    return await service.http.post(f"/api/v1/exchanges/{exchange['id']}/handover", json=body, headers=COURIER | {"idempotency-key": key})


async def test_the_coupon_code_is_shown_to_the_owner_once_issued_and_to_nobody_else(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    await service.deliver(issued(exchange, service.clock.now()))
    mine = await status_of(service, exchange)
    assert (mine["status"], mine["coupon_code"]) == ("coupon_issued", "ABCD-EFGH-JKLM-NPQR")
    assert (await status_of(service, exchange, OPS))["coupon_code"] is None


async def test_using_and_releasing_the_coupon_moves_the_exchange_to_and_from_awaiting_handover(service):
    exchange = await awaiting_handover(service)
    assert (await status_of(service, exchange))["status"] == "awaiting_handover"
    cancel = await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer("acc-1"))
    assert (cancel.status_code, cancel.json()["code"]) == (409, "exchange_not_cancellable")
    released = CouponReleased(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", redemption_id="rdm_1", order_id="ord-1",
                              expires_at=service.clock.now() + timedelta(days=14), released_at=service.clock.now())
    await service.deliver(released)
    assert (await status_of(service, exchange))["status"] == "coupon_issued"


async def test_a_coupon_expiring_unused_cancels_the_exchange_with_reason_coupon_expired(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    await service.deliver(issued(exchange, service.clock.now()))
    expired = CouponExpired(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", expired_at=service.clock.now())
    await service.deliver(expired)
    assert (await status_of(service, exchange))["status"] == "cancelled"
    [event] = await service.published("valuation.ExchangeCancelled")
    assert (event["reason"], event["exchange_id"]) == ("coupon_expired", exchange["id"])
    await service.deliver(expired)  # late repeat: nothing more
    assert len(await service.published("valuation.ExchangeCancelled")) == 1
    await service.open_exchange("acc-1", imei(1))  # the device is free again


async def test_a_coupon_voided_after_an_order_took_and_gave_it_back_still_completes_the_cancel(service):
    # Cancel requested while valuation saw coupon_issued; the coupon service saw redeem, release, then
    # the request: it voided the coupon. Valuation sees redeemed, released, voided, in that order.
    exchange = await service.open_exchange("acc-1", imei(1))
    now = service.clock.now()
    await service.deliver(issued(exchange, now))
    assert (await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer("acc-1"))).json()["status"] == "cancelling"
    await service.deliver(redeemed(exchange, now))
    released = CouponReleased(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", redemption_id="rdm_1", order_id="ord-1",
                              expires_at=now + timedelta(days=14), released_at=now)
    await service.deliver(released)
    voided = CouponVoided(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", reason="customer_cancelled", voided_at=now)
    await service.deliver(voided)
    seen = await status_of(service, exchange)
    assert (seen["status"], seen["cancel_reason"], seen["discounted_paise"]) == ("cancelled", "customer_cancelled", 0)
    [event] = await service.published("valuation.ExchangeCancelled")
    assert (event["reason"], event["discounted_paise"]) == ("customer_cancelled", 0)


async def test_the_void_echoing_a_revoked_exchange_changes_nothing(service):
    exchange = await awaiting_handover(service)
    await hand_over(service, exchange, "h-1", imei=imei(99))
    voided = CouponVoided(coupon_id="cpn_1", exchange_id=exchange["id"], account_id="acc-1", reason="handover_failed", voided_at=service.clock.now())
    await service.deliver(voided)
    assert (await status_of(service, exchange))["status"] == "revoked"
    assert len(await service.published("valuation.ExchangeCancelled")) == 1


async def test_a_handover_with_an_incomplete_checklist_is_refused_and_may_be_retried(service):
    exchange = await awaiting_handover(service)
    response = await hand_over(service, exchange, "h-1", checklist=GOOD_CHECKLIST | {"accounts_removed": False})
    assert (response.status_code, response.json()["code"]) == (422, "handover_checklist_incomplete")
    assert response.json()["missing"] == ["accounts_removed"]
    assert (await status_of(service, exchange))["status"] == "awaiting_handover"
    response = await hand_over(service, exchange, "h-2")
    assert response.status_code == 200 and response.json()["outcome"] == "completed"


async def test_a_handover_that_passes_completes_the_exchange(service):
    exchange = await awaiting_handover(service)
    response = await hand_over(service, exchange, "h-1")
    assert response.status_code == 200, response.text
    assert response.json()["exchange"]["status"] == "completed"
    [event] = await service.published("valuation.ExchangeCompleted")
    assert (event["exchange_id"], event["amount_paise"]) == (exchange["id"], exchange["amount_paise"])
    assert (await status_of(service, exchange, COURIER))["status"] == "completed"  # the courier is now involved
    assert (await status_of(service, exchange, RETAILER)).get("code") == "not_found"


async def test_a_different_imei_at_handover_revokes_the_exchange(service):
    exchange = await awaiting_handover(service)
    response = await hand_over(service, exchange, "h-1", imei=imei(99))
    assert (response.json()["outcome"], response.json()["reasons"]) == ("revoked", ["imei_mismatch"])
    [event] = await service.published("valuation.ExchangeCancelled")
    assert (event["reason"], event["discounted_paise"]) == ("handover_failed", exchange["amount_paise"])
    assert (await status_of(service, exchange))["status"] == "revoked"


async def test_a_phone_worse_than_quoted_is_revoked_with_the_inspection_and_evidence_kept(service):
    exchange = await awaiting_handover(service)
    worse = AS_QUOTED | {"screen": "heavy_scratches"}
    response = await hand_over(service, exchange, "h-1", condition=worse, evidence=["s3://handover/front.jpg", "s3://handover/back.jpg"])
    assert response.json()["outcome"] == "revoked" and response.json()["reasons"] == ["condition_worse_than_quoted"]
    assert response.json()["repriced_paise"] == 680_000
    async with service.app.state.db.reading() as session:
        [row] = await session.execute(select(inspections).where(inspections.c.exchange_id == exchange["id"]))
    assert row.evidence == ["s3://handover/front.jpg", "s3://handover/back.jpg"] and row.condition["screen"] == "heavy_scratches"
    assert row.outcome == "revoked" and row.partner_key == "key-courier-1"


async def test_only_logistics_and_retail_partners_hand_over_and_only_when_the_coupon_is_used(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    response = await hand_over(service, exchange, "h-1")
    assert (response.status_code, response.json()["code"]) == (409, "exchange_not_awaiting_handover")
    body = {"imei": exchange["imei"], "checklist": GOOD_CHECKLIST, "condition": AS_QUOTED}
    response = await service.http.post(f"/api/v1/exchanges/{exchange['id']}/handover", json=body, headers=customer("acc-1"))
    assert response.status_code == 404


async def test_a_retailer_hands_over_only_its_own_exchanges_and_logistics_any(service):
    body = {"imei": imei(1), "account_id": "acc-1", "condition": AS_QUOTED}
    quote = (await service.http.post("/api/v1/quotes", json=body, headers=RETAILER)).json()
    exchange = (await service.http.post(f"/api/v1/quotes/{quote['id']}/accept", headers=RETAILER)).json()
    now = service.clock.now()
    await service.deliver(issued(exchange, now))
    await service.deliver(redeemed(exchange, now))
    handover = {"imei": exchange["imei"], "checklist": GOOD_CHECKLIST, "condition": AS_QUOTED}
    path = f"/api/v1/exchanges/{exchange['id']}/handover"
    stranger = await service.http.post(path, json=handover, headers=OTHER_RETAILER)
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    assert (await status_of(service, exchange))["status"] == "awaiting_handover"
    own = await service.http.post(path, json=handover, headers=RETAILER)
    assert own.status_code == 200 and own.json()["outcome"] == "completed"

    walk_in = await awaiting_handover(service)  # accepted by the customer online: no retailer involved
    walk_in_path = f"/api/v1/exchanges/{walk_in['id']}/handover"
    assert (await service.http.post(walk_in_path, json=handover | {"imei": walk_in["imei"]}, headers=RETAILER)).status_code == 404
    assert (await service.http.post(walk_in_path, json=handover | {"imei": walk_in["imei"]}, headers=COURIER)).status_code == 200


async def test_a_handover_refused_before_the_coupon_is_seen_used_is_retried_afresh_with_the_same_key(service):
    exchange = await service.open_exchange("acc-1", imei(1))
    now = service.clock.now()
    await service.deliver(issued(exchange, now))
    early = await hand_over(service, exchange, "h-1")
    assert (early.status_code, early.json()["code"]) == (409, "exchange_not_awaiting_handover")
    await service.deliver(redeemed(exchange, now))  # CouponRedeemed arrives
    retried = await hand_over(service, exchange, "h-1")
    assert retried.status_code == 200 and retried.json()["outcome"] == "completed"
    assert "idempotent-replayed" not in retried.headers
    replay = await hand_over(service, exchange, "h-1")
    assert replay.headers["idempotent-replayed"] == "true" and replay.content == retried.content


async def test_a_handover_refused_for_a_closed_exchange_is_replayed_with_its_key(service):
    exchange = await awaiting_handover(service)
    assert (await hand_over(service, exchange, "h-1")).status_code == 200
    first = await hand_over(service, exchange, "h-2")
    again = await hand_over(service, exchange, "h-2")
    assert (first.status_code, first.json()["code"]) == (409, "exchange_not_awaiting_handover")
    assert again.headers["idempotent-replayed"] == "true"
