"""Strict money: a market price ops send is a JSON integer of paise; a string, decimal or boolean is refused."""

import pytest

from servicekit.money import PAISE_REQUIRED
from valuation.testing import OPS, PHONE, PHONE_PRICE


@pytest.mark.parametrize("amount", ["4999900", 1234567.0, True], ids=["string", "decimal", "boolean"])
async def test_a_market_price_that_is_not_a_json_integer_is_refused_and_the_price_stays(service, amount: object) -> None:
    response = await service.http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": amount}, headers=OPS)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [("price_paise", PAISE_REQUIRED)]
    assert (await service.http.get(f"/api/v1/market-prices/{PHONE}", headers=OPS)).json()["price_paise"] == PHONE_PRICE


async def test_a_json_integer_within_the_bounds_is_taken_and_the_bounds_still_hold(service) -> None:
    assert (await service.http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": 650_050}, headers=OPS)).status_code == 200
    for amount in (0, 1_000_000_001):
        response = await service.http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": amount}, headers=OPS)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "price_paise")
