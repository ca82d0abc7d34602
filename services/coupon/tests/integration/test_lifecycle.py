"""Expiry at the exact instant, release with the held time given back, and voiding."""

import asyncio
from datetime import timedelta

from coupon.service.expiry import expire_due
from coupon.testing import (
    ACCEPTED_AT,
    CHECKOUT,
    OPS,
    OTHER_RETAILER,
    OWNER,
    RETAILER,
    Harness,
    cancellation_requested,
    exchange_accepted,
    exchange_cancelled,
    headers,
)


async def _seen(harness: Harness, code: str) -> dict:
    return (await harness.client.get(f"/api/v1/coupons/{code}", headers=headers(OWNER))).json()


async def _ledger_types(harness: Harness, code: str) -> list[str]:
    response = await harness.client.get(f"/api/v1/coupons/{code}/events", headers=headers(OWNER))
    return [e["type"] for e in response.json()["items"]]


async def test_a_coupon_expires_fourteen_days_after_acceptance_to_the_instant_even_before_the_sweep(harness: Harness) -> None:
    coupon = await harness.issue()
    assert coupon["issued_at"] == "2021-03-01T06:30:00Z" and coupon["expires_at"] == "2021-03-15T06:30:00Z"
    harness.clock.at = ACCEPTED_AT + timedelta(days=14) - timedelta(microseconds=1)
    assert (await _seen(harness, coupon["code"]))["status"] == "active"
    harness.clock.at = ACCEPTED_AT + timedelta(days=14)
    assert (await _seen(harness, coupon["code"]))["status"] == "expired"
    refused = await harness.redeem(coupon["code"], "ord_1")
    assert refused.status_code == 409 and refused.json()["code"] == "coupon_expired"


async def test_the_sweep_expires_due_coupons_once_however_many_sweeps_run(harness: Harness) -> None:
    due, fresh = await harness.issue(), await harness.issue(at=ACCEPTED_AT + timedelta(days=1))
    harness.clock.at = ACCEPTED_AT + timedelta(days=14)
    state = harness.app.state
    counts = await asyncio.gather(*(expire_due(state.db, state.outbox, harness.clock) for _ in range(3)))
    assert sum(counts) == 1 and await harness.published("coupon.CouponExpired") == 1
    assert (await _seen(harness, due["code"]))["status"] == "expired"
    assert (await _seen(harness, fresh["code"]))["status"] == "active"
    assert await _ledger_types(harness, due["code"]) == ["issued", "expired"]
    assert (await harness.redeem(due["code"], "ord_1")).json()["code"] == "coupon_expired"


async def test_releasing_makes_the_coupon_active_again_with_the_held_time_added_to_its_expiry(harness: Harness) -> None:
    coupon = await harness.issue()
    harness.clock.advance(timedelta(days=10))
    redemption = (await harness.redeem(coupon["code"], "ord_1")).json()
    harness.clock.advance(timedelta(days=6, hours=3))  # past the original expiry while the order held it
    released = await harness.release(coupon["code"], redemption["id"])
    assert released.status_code == 200 and released.json()["status"] == "released"
    seen = await _seen(harness, coupon["code"])
    assert seen["status"] == "active" and seen["redemption"] is None
    assert seen["expires_at"] == "2021-03-21T09:30:00Z"  # 15 March 06:30 + 6 days 3 hours
    assert (await harness.redeem(coupon["code"], "ord_2")).status_code == 201


async def test_releasing_twice_is_one_release(harness: Harness) -> None:
    coupon = await harness.issue()
    redemption = (await harness.redeem(coupon["code"], "ord_1")).json()
    harness.clock.advance(timedelta(days=1))
    first = await harness.release(coupon["code"], redemption["id"])
    harness.clock.advance(timedelta(days=1))
    second = await harness.release(coupon["code"], redemption["id"])
    assert first.json() == second.json()
    assert (await _seen(harness, coupon["code"]))["expires_at"] == "2021-03-16T06:30:00Z"
    assert await _ledger_types(harness, coupon["code"]) == ["issued", "redeemed", "released"]
    assert await harness.published("coupon.CouponReleased") == 1


async def test_only_the_order_side_may_release_and_others_see_nothing(harness: Harness) -> None:
    coupon = await harness.issue()
    redemption = (await harness.redeem(coupon["code"], "ord_1", principal=RETAILER, account_id="acc_owner")).json()
    for principal in (OWNER, OTHER_RETAILER):
        assert (await harness.release(coupon["code"], redemption["id"], principal)).status_code == 404
    assert (await harness.release(coupon["code"], "rdm_nonexistent", OPS)).status_code == 404
    assert (await harness.release(coupon["code"], redemption["id"], RETAILER)).status_code == 200


async def test_cancelling_the_exchange_before_use_voids_the_coupon(harness: Harness) -> None:
    coupon = await harness.issue()
    await harness.deliver(exchange_cancelled(coupon["exchange_id"], "customer_cancelled"))
    seen = await _seen(harness, coupon["code"])
    assert (seen["status"], seen["void_reason"]) == ("void", "customer_cancelled")
    refused = await harness.redeem(coupon["code"], "ord_1")
    assert refused.status_code == 409 and refused.json()["code"] == "coupon_not_active"
    assert await harness.published("coupon.CouponVoided") == 1
    assert await _ledger_types(harness, coupon["code"]) == ["issued", "voided"]


async def test_cancelling_the_exchange_after_use_leaves_the_order_its_discount_but_a_release_then_voids(harness: Harness) -> None:
    coupon = await harness.issue()
    redemption = (await harness.redeem(coupon["code"], "ord_1", principal=CHECKOUT, account_id="acc_owner")).json()
    await harness.deliver(exchange_cancelled(coupon["exchange_id"], "handover_failed"))
    assert (await _seen(harness, coupon["code"]))["status"] == "redeemed"
    assert await harness.published("coupon.CouponVoided") == 0
    await harness.release(coupon["code"], redemption["id"])
    seen = await _seen(harness, coupon["code"])
    assert (seen["status"], seen["void_reason"]) == ("void", "handover_failed")
    assert await _ledger_types(harness, coupon["code"]) == ["issued", "redeemed", "released", "voided"]


async def test_a_customers_cancel_request_voids_an_active_coupon(harness: Harness) -> None:
    coupon = await harness.issue()
    await harness.deliver(cancellation_requested(coupon["exchange_id"]))
    seen = await _seen(harness, coupon["code"])
    assert (seen["status"], seen["void_reason"]) == ("void", "customer_cancelled")
    assert await harness.published("coupon.CouponVoided") == 1
    assert await _ledger_types(harness, coupon["code"]) == ["issued", "voided"]
    assert (await harness.redeem(coupon["code"], "ord_1")).json()["code"] == "coupon_not_active"
    await harness.deliver(exchange_cancelled(coupon["exchange_id"], "customer_cancelled"))  # the ExchangeCancelled that follows
    assert await harness.published("coupon.CouponVoided") == 1


async def test_a_cancel_request_leaves_a_coupon_an_order_holds_with_the_order(harness: Harness) -> None:
    coupon = await harness.issue()
    redemption = (await harness.redeem(coupon["code"], "ord_1", principal=CHECKOUT, account_id="acc_owner")).json()
    await harness.deliver(cancellation_requested(coupon["exchange_id"]))
    assert (await _seen(harness, coupon["code"]))["status"] == "redeemed"
    assert await harness.published("coupon.CouponVoided") == 0
    assert await _ledger_types(harness, coupon["code"]) == ["issued", "redeemed"]
    # The cancel lost: a later release makes the coupon spendable again (the customer may cancel anew).
    await harness.release(coupon["code"], redemption["id"])
    assert (await _seen(harness, coupon["code"]))["status"] == "active"


async def test_a_cancel_request_before_the_coupon_is_minted_mints_it_void(harness: Harness) -> None:
    await harness.deliver(cancellation_requested("exc_late"))
    assert await harness.coupon_count() == 0
    await harness.deliver(exchange_accepted("exc_late"))
    mine = (await harness.client.get("/api/v1/me/coupons", headers=headers(OWNER))).json()["items"]
    [coupon] = [c for c in mine if c["exchange_id"] == "exc_late"]
    assert (coupon["status"], coupon["void_reason"]) == ("void", "customer_cancelled")
    assert (await harness.published("coupon.CouponIssued"), await harness.published("coupon.CouponVoided")) == (1, 1)
    assert await _ledger_types(harness, coupon["code"]) == ["issued", "voided"]
