"""Under any concurrency exactly one order wins a coupon."""

import asyncio

from sqlalchemy import func, select

from coupon.db.tables import redemptions
from coupon.testing import OWNER, Harness, cancellation_requested, headers


async def test_fifty_orders_racing_for_one_coupon_leave_one_winner_and_forty_nine_refusals(harness: Harness) -> None:
    coupon = await harness.issue()
    responses = await asyncio.gather(*(harness.redeem(coupon["code"], f"ord_{n}") for n in range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 49
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"coupon_already_redeemed"}
    ledger = (await harness.client.get(f"/api/v1/coupons/{coupon['code']}/events", headers=headers(OWNER))).json()["items"]
    assert [e["type"] for e in ledger] == ["issued", "redeemed"]
    async with harness.app.state.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(redemptions)) == 1
    assert await harness.published("coupon.CouponRedeemed") == 1


async def test_the_same_order_sent_many_times_at_once_gets_one_redemption(harness: Harness) -> None:
    coupon = await harness.issue()
    responses = await asyncio.gather(*(harness.redeem(coupon["code"], "ord_1") for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in responses}) == 1


async def test_a_cancel_request_racing_with_an_order_leaves_exactly_one_winner(harness: Harness) -> None:
    for round_ in range(5):
        coupon = await harness.issue()
        redeemed, _ = await asyncio.gather(
            harness.redeem(coupon["code"], f"ord_race_{round_}"), harness.deliver(cancellation_requested(coupon["exchange_id"]))
        )
        seen = (await harness.client.get(f"/api/v1/coupons/{coupon['code']}", headers=headers(OWNER))).json()
        if redeemed.status_code == 201:
            assert seen["status"] == "redeemed"
        else:
            assert (redeemed.status_code, redeemed.json()["code"], seen["status"]) == (409, "coupon_not_active", "void")
    voids = await harness.published("coupon.CouponVoided")
    assert voids + await harness.published("coupon.CouponRedeemed") == 5
