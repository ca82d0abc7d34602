"""500s on demand, against the real processes through the gateway: each reported input is now a 4xx problem+json.

Reported: a cursor holding a timestamp without a time zone broke `/me/plans`, `/me/exchanges` and
`/me/coupons` for any signed-in user; the coupon ledger's cursor failed four ways (a string, a null
or an object where the sequence number belongs, a number past the 63-bit column); and
`/plans/preview?purchase_date=9999-12-31` failed with "year 10000 is out of range". The rules that
replaced them are in docs/platform.md ("Lists", "Dates") and servicekit/pagination.py, inputs.py.
"""

import base64
import importlib
import json

import httpx
import pytest

from catalog.seed.__main__ import sample_imei

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

ACCOUNT = "acc-bad-input"
MODEL = "samsung-galaxy-m31-6gb-64gb"  # exchange eligible
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def assert_refused(response: httpx.Response, field: str | None = "cursor", status: int = 422, code: str = "validation_error") -> None:
    assert response.status_code < 500, f"{response.request.url}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body


NAIVE = cursor_of(["2021-03-01T00:00:00", "pln_aaaaaaaaaaaaaaaaaaaaaaaa"])


@pytest.mark.parametrize("path", ["/api/v1/me/plans", "/api/v1/me/exchanges", "/api/v1/me/coupons"])
def test_a_naive_timestamp_in_a_cursor_is_a_validation_error_for_any_signed_in_user(api, path) -> None:
    for cursor in (NAIVE, cursor_of(["9999-12-31T23:59:59-23:59", "x"]), cursor_of(["2021-03-01T00:00:00Z", "x\u0000"])):
        assert_refused(api.get(path, params={"cursor": cursor}, headers=helpers.bearer(ACCOUNT)))


def test_malformed_ledger_cursors_are_validation_errors(api) -> None:
    quote = conftest.poll(lambda: (r := api.post("/api/v1/quotes", json={"imei": sample_imei(MODEL, 9201), "condition": FLAWLESS},
                                                 headers=helpers.bearer(ACCOUNT))).status_code == 201 and r.json())
    accepted = api.post(f"/api/v1/quotes/{quote['id']}/accept", headers=helpers.bearer(ACCOUNT))
    assert accepted.status_code == 201, accepted.text
    coupons = lambda: api.get("/api/v1/me/coupons", headers=helpers.bearer(ACCOUNT)).json()["items"]  # noqa: E731
    code = conftest.poll(lambda: next((c["code"] for c in coupons() if c["exchange_id"] == accepted.json()["id"]), None))
    ledger = f"/api/v1/coupons/{code}/events"
    assert api.get(ledger, headers=helpers.bearer(ACCOUNT)).json()["next_cursor"] is None  # one entry: nothing further
    attacks = [
        cursor_of(["1"]), cursor_of([None]), cursor_of([{"seq": 1}]), cursor_of([2**63]),  # the four reported
        cursor_of([1.5]), cursor_of([-1]), cursor_of([]), base64.urlsafe_b64encode(b"[" * 150 + b"]" * 150).decode(), "%%%", "A" * 600,
    ]
    for cursor in attacks:
        assert_refused(api.get(ledger, params={"cursor": cursor}, headers=helpers.bearer(ACCOUNT)))
    assert_refused(api.get(ledger, params={"cursor": cursor_of(["1"])}, headers=helpers.bearer("ops-bad-input", "ops")))


def test_dates_outside_2000_to_2099_are_validation_errors(api) -> None:
    preview = api.get("/api/v1/plans/preview", params={"model_id": "redmi-note-9-4gb-64gb", "purchase_date": "9999-12-31"})
    assert_refused(preview, "query.purchase_date")
    assert_refused(api.get("/api/v1/plans/preview", params={"model_id": "redmi-note-9-4gb-64gb", "purchase_date": "0001-01-01"}), "query.purchase_date")
    value = api.get("/api/v1/plans/pln_aaaaaaaaaaaaaaaaaaaaaaaa/buyback-value", params={"on": "9999-12-31"}, headers=helpers.bearer(ACCOUNT))
    assert_refused(value, "query.on")
    price = api.post("/api/v1/catalog/models/redmi-9-4gb-64gb/prices", json={"effective_from": "9999-12-31", "srp_paise": 1}, headers=helpers.bearer("ops-bad-input", "ops"))
    assert_refused(price, "effective_from")


@pytest.mark.parametrize("path", [
    "/api/v1/plans/pln_%00", "/api/v1/quotes/qte_%00", "/api/v1/exchanges/exc_%00", "/api/v1/coupons/%00/events",
    "/api/v1/catalog/models/a%00b", "/api/v1/plans/" + "p" * 5000, "/api/v1/exchanges/exc_%27%20OR%201%3D1",
])
def test_odd_or_overlong_ids_are_refused_not_a_server_error(api, path) -> None:
    response = api.get(path, headers=helpers.bearer(ACCOUNT))
    assert 400 <= response.status_code < 500, f"{path}: {response.status_code} {response.text[:200]}"
    assert response.headers["content-type"].startswith("application/problem+json")
