"""An exchange superseded by the phone's owner (docs/valuation.md, "IMEI ownership"): its coupon is taken back.

Valuation publishes ExchangeCancelled with reason `superseded`; the coupon service handles it like any
cancellation of the exchange: an unused coupon is voided with that reason; a coupon an order already
holds stays with the order (valuation's event carries the discount for the order system to claw
back) and is voided, not made spendable again, if that order is released.
"""

from coupon.testing import CHECKOUT, OWNER, Harness, exchange_accepted, exchange_cancelled, headers


async def _seen(harness: Harness, code: str) -> dict:
    return (await harness.client.get(f"/api/v1/coupons/{code}", headers=headers(OWNER))).json()


async def _ledger(harness: Harness, code: str) -> list[tuple[str, dict]]:
    response = await harness.client.get(f"/api/v1/coupons/{code}/events", headers=headers(OWNER))
    return [(e["type"], e["detail"]) for e in response.json()["items"]]


async def test_a_superseded_exchanges_unused_coupon_is_voided_with_reason_superseded(harness: Harness) -> None:
    coupon = await harness.issue()
    await harness.deliver(exchange_cancelled(coupon["exchange_id"], "superseded"))
    seen = await _seen(harness, coupon["code"])
    assert (seen["status"], seen["void_reason"]) == ("void", "superseded")
    assert await harness.published("coupon.CouponVoided") == 1
    assert [(t, d.get("reason")) for t, d in await _ledger(harness, coupon["code"])] == [("issued", None), ("voided", "superseded")]
    refused = await harness.redeem(coupon["code"], "ord_1")
    assert (refused.status_code, refused.json()["code"]) == (409, "coupon_not_active")
    await harness.deliver(exchange_cancelled(coupon["exchange_id"], "superseded"))  # a second announcement changes nothing
    assert await harness.published("coupon.CouponVoided") == 1


async def test_a_superseded_exchanges_spent_coupon_stays_with_its_order_and_a_release_voids_it(harness: Harness) -> None:
    coupon = await harness.issue()
    redemption = (await harness.redeem(coupon["code"], "ord_1", principal=CHECKOUT, account_id="acc_owner")).json()
    await harness.deliver(exchange_cancelled(coupon["exchange_id"], "superseded"))
    await harness.deliver(exchange_cancelled(coupon["exchange_id"], "superseded"))  # valuation's second announcement, with the discount
    assert (await _seen(harness, coupon["code"]))["status"] == "redeemed"
    assert await harness.published("coupon.CouponVoided") == 0
    assert (await harness.release(coupon["code"], redemption["id"])).status_code == 200
    seen = await _seen(harness, coupon["code"])
    assert (seen["status"], seen["void_reason"]) == ("void", "superseded")  # never spendable again by the squatter
    assert [t for t, _ in await _ledger(harness, coupon["code"])] == ["issued", "redeemed", "released", "voided"]


async def test_a_supersede_before_the_coupon_is_minted_mints_it_void(harness: Harness) -> None:
    await harness.deliver(exchange_cancelled("exc_superseded_early", "superseded"))
    await harness.deliver(exchange_accepted("exc_superseded_early"))
    mine = (await harness.client.get("/api/v1/me/coupons", headers=headers(OWNER))).json()["items"]
    [coupon] = [c for c in mine if c["exchange_id"] == "exc_superseded_early"]
    assert (coupon["status"], coupon["void_reason"]) == ("void", "superseded")
