"""One coupon per exchange, however often ExchangeAccepted arrives: the database decides, not only the inbox."""

import asyncio
import re

from coupon.testing import ACCEPTED_AT, OWNER, Harness, exchange_accepted, headers


async def test_the_same_event_delivered_three_times_credits_one_coupon(harness: Harness) -> None:
    envelope = await harness.deliver(exchange_accepted("exc_1"))
    for _ in range(2):
        await harness.deliver(exchange_accepted("exc_1"), envelope)
    assert await harness.coupon_count() == 1 and await harness.published("coupon.CouponIssued") == 1


async def test_the_same_exchange_republished_under_new_event_ids_still_credits_one_coupon(harness: Harness) -> None:
    # New envelopes get past the inbox; the unique exchange_id must hold the line, even when racing.
    await asyncio.gather(*(harness.deliver(exchange_accepted("exc_1")) for _ in range(3)))
    assert await harness.coupon_count() == 1 and await harness.published("coupon.CouponIssued") == 1


async def test_the_coupon_carries_the_exchange_amount_and_is_issued_at_acceptance_for_fourteen_days(harness: Harness) -> None:
    harness.clock.at = ACCEPTED_AT.replace(hour=9)  # the event is handled later than it happened
    await harness.deliver(exchange_accepted("exc_1", amount_paise=845_000))
    (coupon,) = (await harness.client.get("/api/v1/me/coupons", headers=headers(OWNER))).json()["items"]
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", coupon["code"])
    assert coupon["id"].startswith("cpn_") and coupon["status"] == "active"
    assert (coupon["amount_paise"], coupon["issued_at"], coupon["expires_at"]) == (845_000, "2021-03-01T06:30:00Z", "2021-03-15T06:30:00Z")


async def test_each_exchange_gets_its_own_code(harness: Harness) -> None:
    codes = {(await harness.issue())["code"] for _ in range(5)}
    assert len(codes) == 5
