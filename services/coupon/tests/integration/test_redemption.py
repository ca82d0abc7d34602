"""Spending a coupon on an order: who may, on what, how much, and what a repeat gets back."""

import pytest

from coupon.testing import CHECKOUT, LOGISTICS, OWNER, RETAILER, STRANGER, Harness, headers, phone_line
from servicekit.principal import Principal


async def test_the_owner_spends_the_coupon_on_one_unit_of_the_dearest_mi_or_redmi_phone(harness: Harness) -> None:
    coupon = await harness.issue(amount_paise=1_200_000)
    lines = [
        phone_line("cheap", "redmi-note-9-pro", 1_000_000, quantity=2),
        phone_line("dear", "mi-10", 4_999_900),
        phone_line("samsung", "samsung-galaxy-m31", 9_000_000),
        phone_line("charger", "redmi-charger-18w", 99_900),
    ]
    response = await harness.redeem(coupon["code"], "ord_1", lines)
    assert response.status_code == 201, response.text
    redemption = response.json()
    assert (redemption["line_id"], redemption["discount_paise"], redemption["forfeited_paise"]) == ("dear", 1_200_000, 0)
    assert redemption["status"] == "held"
    seen = (await harness.client.get(f"/api/v1/coupons/{coupon['code']}", headers=headers(OWNER))).json()
    assert seen["status"] == "redeemed" and seen["redemption"]["id"] == redemption["id"]
    assert await harness.published("coupon.CouponRedeemed") == 1


async def test_a_coupon_worth_more_than_the_phone_forfeits_the_excess_and_says_so(harness: Harness) -> None:
    coupon = await harness.issue(amount_paise=1_200_000)
    response = await harness.redeem(coupon["code"], "ord_1", [phone_line(price=1_000_000)])
    assert (response.json()["discount_paise"], response.json()["forfeited_paise"]) == (1_000_000, 200_000)


async def test_the_same_order_again_gets_the_same_redemption_and_another_order_is_refused(harness: Harness) -> None:
    coupon = await harness.issue()
    first = await harness.redeem(coupon["code"], "ord_1")
    again = await harness.redeem(coupon["code"], "ord_1")
    other = await harness.redeem(coupon["code"], "ord_2")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert other.status_code == 409 and other.json()["code"] == "coupon_already_redeemed"
    assert await harness.published("coupon.CouponRedeemed") == 1


async def test_a_code_typed_in_lowercase_without_dashes_is_accepted(harness: Harness) -> None:
    coupon = await harness.issue()
    response = await harness.redeem(coupon["code"].replace("-", "").lower(), "ord_1")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "lines",
    [
        [phone_line(model_id="redmi-charger-18w", price=99_900)],
        [phone_line(model_id="mi-pad-5")],
        [phone_line(model_id="samsung-galaxy-m31")],
        [phone_line(model_id="never-heard-of-it")],
        [phone_line(model_id="redmi-charger-18w", price=99_900, category="smartphone")],
    ],
    ids=["accessory only", "tablet", "other brand", "unknown model", "accessory claiming to be a smartphone"],
)
async def test_an_order_without_an_eligible_phone_is_refused_and_the_coupon_stays_active(harness: Harness, lines: list) -> None:
    coupon = await harness.issue()
    response = await harness.redeem(coupon["code"], "ord_1", lines)
    assert response.status_code == 422 and response.json()["code"] == "no_eligible_item"
    seen = await harness.client.get(f"/api/v1/coupons/{coupon['code']}", headers=headers(OWNER))
    assert seen.json()["status"] == "active"


async def test_the_checkout_and_a_retailer_redeem_for_the_account_they_name(harness: Harness) -> None:
    first, second = await harness.issue(), await harness.issue()
    by_checkout = await harness.redeem(first["code"], "ord_1", principal=CHECKOUT, account_id="acc_owner")
    by_retailer = await harness.redeem(second["code"], "ord_2", principal=RETAILER, account_id="acc_owner")
    assert (by_checkout.status_code, by_retailer.status_code) == (201, 201)


async def test_a_partner_must_name_the_account_and_the_right_one(harness: Harness) -> None:
    coupon = await harness.issue()
    unnamed = await harness.redeem(coupon["code"], "ord_1", principal=CHECKOUT)
    wrong = await harness.redeem(coupon["code"], "ord_1", principal=RETAILER, account_id="acc_stranger")
    wrong_at_checkout = await harness.redeem(coupon["code"], "ord_1", principal=CHECKOUT, account_id="acc_stranger")
    assert unnamed.status_code == 422 and unnamed.json()["code"] == "validation_error"
    assert wrong.status_code == 404 and wrong_at_checkout.status_code == 404


@pytest.mark.parametrize("principal", [STRANGER, LOGISTICS], ids=["another customer", "logistics"])
async def test_nobody_else_can_spend_a_coupon_or_learn_that_it_exists(harness: Harness, principal: Principal) -> None:
    coupon = await harness.issue()
    response = await harness.redeem(coupon["code"], "ord_1", principal=principal)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_anonymous_callers_are_asked_to_sign_in(harness: Harness) -> None:
    coupon = await harness.issue()
    response = await harness.client.post(f"/api/v1/coupons/{coupon['code']}/redemptions", json={"order_id": "o", "lines": [phone_line()]})
    assert response.status_code == 401


async def test_a_retried_request_with_the_same_idempotency_key_replays_the_first_answer(harness: Harness) -> None:
    coupon = await harness.issue()
    body = {"order_id": "ord_1", "lines": [phone_line()]}
    sent = [
        await harness.client.post(f"/api/v1/coupons/{coupon['code']}/redemptions", json=body, headers=headers(OWNER, **{"Idempotency-Key": "k1"}))
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [201, 201]
    assert sent[1].headers["idempotent-replayed"] == "true" and sent[1].content == sent[0].content
    reused = await harness.client.post(
        f"/api/v1/coupons/{coupon['code']}/redemptions", json=body | {"order_id": "ord_2"}, headers=headers(OWNER, **{"Idempotency-Key": "k1"})
    )
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
