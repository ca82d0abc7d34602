"""Strict money: an SRP or fee a client sends is a JSON integer of paise; a string, decimal or boolean is refused."""

import httpx
import pytest

from servicekit.money import PAISE_REQUIRED
from servicekit.testing import principal_headers

MODELS = "/api/v1/catalog/models"
OPS = principal_headers("ops", "ops-1")
NOT_INTEGERS = ["4999900", 1234567.0, True]


def model_body(srp: object = 1199900, fee: object = 49900) -> dict:
    eligible = fee is not None
    return {
        "brand": "Redmi", "name": "Redmi Note 10", "category": "smartphone", "launch_date": "2021-03-16",
        "srp_history": [{"effective_from": "2021-03-16", "srp_paise": srp}], "tacs": ["99100001"],
        "smart_upgrade": {"eligible": eligible, "fee_paise": fee}, "exchange": {"eligible": True},
    }  # fmt: skip


def assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [(field, PAISE_REQUIRED)]


@pytest.mark.parametrize("amount", NOT_INTEGERS, ids=["string", "decimal", "boolean"])
async def test_a_price_that_is_not_a_json_integer_is_refused(catalog, amount: object) -> None:
    response = await catalog.post(f"{MODELS}/redmi-9-4gb-64gb/prices", json={"effective_from": "2026-01-01", "srp_paise": amount}, headers=OPS)
    assert_refused(response, "srp_paise")


@pytest.mark.parametrize("amount", NOT_INTEGERS, ids=["string", "decimal", "boolean"])
async def test_a_model_whose_srp_or_fee_is_not_a_json_integer_is_refused_and_not_stored(catalog, amount: object) -> None:
    assert_refused(await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=model_body(srp=amount), headers=OPS), "srp_history.0.srp_paise")
    assert_refused(await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=model_body(fee=amount), headers=OPS), "smart_upgrade.fee_paise")
    assert (await catalog.get(f"{MODELS}/redmi-note-10-4gb-64gb")).status_code == 404


async def test_json_integers_within_the_bounds_are_taken_and_the_bounds_still_hold(catalog) -> None:
    assert (await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=model_body(), headers=OPS)).status_code == 201
    assert (await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=model_body(fee=None), headers=OPS)).status_code == 200
    url = f"{MODELS}/redmi-9-4gb-64gb/prices"
    assert (await catalog.post(url, json={"effective_from": "2026-01-01", "srp_paise": 1049900}, headers=OPS)).status_code == 201
    for amount in (0, 1_000_000_001):
        response = await catalog.post(url, json={"effective_from": "2026-02-01", "srp_paise": amount}, headers=OPS)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "srp_paise")
