"""A coupon is visible only to its owner, ops and the checkout; everyone else gets 404."""

import pytest

from coupon.testing import CHECKOUT, LOGISTICS, OPS, OWNER, RETAILER, STRANGER, Harness, headers
from servicekit.principal import Principal


@pytest.mark.parametrize("principal", [OWNER, OPS, CHECKOUT], ids=["owner", "ops", "checkout"])
async def test_the_owner_ops_and_the_checkout_see_a_coupon(harness: Harness, principal: Principal) -> None:
    coupon = await harness.issue()
    response = await harness.client.get(f"/api/v1/coupons/{coupon['code']}", headers=headers(principal))
    assert response.status_code == 200 and response.json()["amount_paise"] == 1_200_000
    assert response.json()["restrictions"] == {"categories": ["smartphone"], "brands": ["Mi", "Redmi"]}


@pytest.mark.parametrize("principal", [STRANGER, LOGISTICS, RETAILER], ids=["another customer", "logistics", "retailer naming no account"])
async def test_anyone_else_is_told_the_coupon_does_not_exist(harness: Harness, principal: Principal) -> None:
    coupon = await harness.issue()
    response = await harness.client.get(f"/api/v1/coupons/{coupon['code']}", headers=headers(principal))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_a_retailer_sees_the_coupon_when_it_names_the_owning_account(harness: Harness) -> None:
    coupon = await harness.issue()
    found = await harness.client.get(f"/api/v1/coupons/{coupon['code']}?account_id=acc_owner", headers=headers(RETAILER))
    guessed = await harness.client.get(f"/api/v1/coupons/{coupon['code']}?account_id=acc_stranger", headers=headers(RETAILER))
    assert (found.status_code, guessed.status_code) == (200, 404)


@pytest.mark.parametrize("code", ["0000-0000-0000-0000", "not-a-code", "AAAA-BBBB-CCCC-DDDU"])
async def test_unknown_and_malformed_codes_answer_404_even_to_ops(harness: Harness, code: str) -> None:
    await harness.issue()
    response = await harness.client.get(f"/api/v1/coupons/{code}", headers=headers(OPS))
    assert response.status_code == 404


async def test_the_ledger_names_who_did_what_and_when_for_the_owner_and_ops_only(harness: Harness) -> None:
    coupon = await harness.issue()
    await harness.redeem(coupon["code"], "ord_1", principal=CHECKOUT, account_id="acc_owner")
    for principal in (OWNER, OPS):
        items = (await harness.client.get(f"/api/v1/coupons/{coupon['code']}/events", headers=headers(principal))).json()["items"]
        assert [(e["type"], e["actor"]) for e in items] == [("issued", "system:valuation"), ("redeemed", "partner:key_checkout")]
        assert items[0]["at"] == "2021-03-01T06:30:00Z" and items[1]["detail"]["order_id"] == "ord_1"
    for principal in (STRANGER, CHECKOUT):
        assert (await harness.client.get(f"/api/v1/coupons/{coupon['code']}/events", headers=headers(principal))).status_code == 404


async def test_my_coupons_lists_only_mine_newest_first_page_by_page(harness: Harness) -> None:
    from datetime import timedelta

    from coupon.testing import ACCEPTED_AT

    mine = [await harness.issue(at=ACCEPTED_AT + timedelta(hours=n)) for n in range(3)]
    await harness.issue(account_id="acc_stranger")
    first = (await harness.client.get("/api/v1/me/coupons?limit=2", headers=headers(OWNER))).json()
    second = (await harness.client.get(f"/api/v1/me/coupons?limit=2&cursor={first['next_cursor']}", headers=headers(OWNER))).json()
    listed = [c["id"] for c in first["items"] + second["items"]]
    assert listed == [c["id"] for c in reversed(mine)] and second["next_cursor"] is None
