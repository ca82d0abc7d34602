"""Strict money: an order line's unit price is a JSON integer of paise, its quantity a JSON integer."""

import pytest

from coupon.testing import Harness, phone_line
from servicekit.money import PAISE_REQUIRED

NOT_INTEGERS = pytest.mark.parametrize("value", ["4999900", 1234567.0, True], ids=["string", "decimal", "boolean"])


@NOT_INTEGERS
async def test_a_unit_price_that_is_not_a_json_integer_is_refused_and_the_coupon_stays_active(harness: Harness, value: object) -> None:
    coupon = await harness.issue()
    response = await harness.redeem(coupon["code"], "ord_1", [phone_line() | {"unit_price_paise": value}])
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [("lines.0.unit_price_paise", PAISE_REQUIRED)]
    assert await harness.published("coupon.CouponRedeemed") == 0


@NOT_INTEGERS
async def test_a_quantity_that_is_not_a_json_integer_is_refused(harness: Harness, value: object) -> None:
    coupon = await harness.issue()
    response = await harness.redeem(coupon["code"], "ord_1", [phone_line() | {"quantity": value}])
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["lines.0.quantity"]


async def test_json_integers_within_the_bounds_are_taken_and_the_bounds_still_hold(harness: Harness) -> None:
    coupon = await harness.issue()
    assert (await harness.redeem(coupon["code"], "ord_1", [phone_line(price=-1)])).json()["errors"][0]["field"] == "lines.0.unit_price_paise"
    assert (await harness.redeem(coupon["code"], "ord_1", [phone_line(quantity=0)])).json()["errors"][0]["field"] == "lines.0.quantity"
    assert (await harness.redeem(coupon["code"], "ord_1", [phone_line(price=1_000_000, quantity=2)])).status_code == 201
