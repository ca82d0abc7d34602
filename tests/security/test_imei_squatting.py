"""IMEI squatting, against the real processes through the gateway (docs/valuation.md, "IMEI ownership and superseding").

IMEIs are printed on boxes and invoices, so knowing one proves nothing. A phone with a Smart Upgrade
plan is quoted and accepted only for the plan's account; a phone without one that somebody else
traded in online is taken over by a store that has the phone on its counter, and the squatter's
coupon ends void. Eventual effects are polled for with a deadline, never slept on.
"""

import importlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from catalog.seed.__main__ import sample_imei

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

PLAN_MODEL = "redmi-note-9-4gb-64gb"  # Smart Upgrade and exchange eligible
PLAIN_MODEL = "realme-7-6gb-64gb"  # exchange eligible, no plan possible
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}
REGISTERED = (422, "device_not_eligible", ["registered_to_another_account"])


def quote(api: httpx.Client, account: str, imei: str) -> httpx.Response:
    return api.post("/api/v1/quotes", json={"imei": imei, "condition": FLAWLESS}, headers=helpers.bearer(account))


def quoted(api: httpx.Client, account: str, imei: str) -> dict[str, Any]:
    """A quote, once the catalog's seed has reached valuation by events."""
    return conftest.poll(lambda: (r := quote(api, account, imei)).status_code == 201 and r.json())


def refusal(response: httpx.Response) -> tuple[int, str | None, list[str] | None]:
    body = response.json()
    return response.status_code, body.get("code"), body.get("reasons")


def exchange(api: httpx.Client, account: str, exchange_id: str) -> dict[str, Any]:
    return api.get(f"/api/v1/exchanges/{exchange_id}", headers=helpers.bearer(account)).json()


def coupon_of(api: httpx.Client, account: str, exchange_id: str) -> dict[str, Any] | None:
    items = api.get("/api/v1/me/coupons", headers=helpers.bearer(account)).json()["items"]
    return next((c for c in items if c["exchange_id"] == exchange_id), None)


def sell_plan(api: httpx.Client, account: str, imei: str) -> dict[str, Any]:
    invoice_date = datetime.now(ZoneInfo("Asia/Kolkata")).date() - timedelta(days=1)
    conftest.poll(lambda: api.get("/api/v1/plans/preview", params={"model_id": PLAN_MODEL, "purchase_date": invoice_date.isoformat()}).status_code == 200)
    sale = {
        "imei": imei, "model_id": PLAN_MODEL, "invoice_number": "MIH-KOR-SQUAT-1", "invoice_date": invoice_date.isoformat(),
        "account_id": account, "customer_phone": "+919800000099",
    }  # fmt: skip
    sold = helpers.as_partner(api, "retailer", "POST", "/api/v1/plans", sale, {"Idempotency-Key": "sale-squat-1"})
    assert sold.status_code == 201, sold.text
    return sold.json()


def test_nobody_but_the_plans_account_trades_in_a_plan_phone(api) -> None:
    owner, squatter = "acc-sec-plan-owner", "acc-sec-plan-squatter"
    imei = sample_imei(PLAN_MODEL, serial=9101)
    early = quoted(api, squatter, imei)  # taken before the plan existed
    plan = sell_plan(api, owner, imei)

    # Once valuation has the plan (PlanPurchased), the squatter is refused at quote and at accept.
    conftest.poll(lambda: refusal(quote(api, squatter, imei)) == REGISTERED)
    by_store = helpers.as_partner(api, "retailer", "POST", "/api/v1/quotes", {"imei": imei, "account_id": squatter, "condition": FLAWLESS})
    assert refusal(by_store) == REGISTERED
    accept = api.post(f"/api/v1/quotes/{early['id']}/accept", headers=helpers.bearer(squatter) | {"Idempotency-Key": "squat-accept-1"})
    assert refusal(accept) == REGISTERED
    assert api.get("/api/v1/me/exchanges", headers=helpers.bearer(squatter)).json()["items"] == []
    assert api.get(f"/api/v1/plans/{plan['id']}", headers=helpers.bearer(squatter)).status_code == 404  # and learns nothing more

    # The owner is not locked out, nor is a store acting for the owner.
    for_owner = helpers.as_partner(api, "retailer", "POST", "/api/v1/quotes", {"imei": imei, "account_id": owner, "condition": FLAWLESS})
    assert for_owner.status_code == 201, for_owner.text
    own = quote(api, owner, imei)
    assert own.status_code == 201, own.text
    accepted = api.post(f"/api/v1/quotes/{own.json()['id']}/accept", headers=helpers.bearer(owner))
    assert accepted.status_code == 201, accepted.text
    coupon = conftest.poll(lambda: coupon_of(api, owner, accepted.json()["id"]))
    assert coupon["status"] == "active"


def test_a_store_with_the_phone_present_takes_it_over_from_an_online_squatter_whose_coupon_ends_void(api) -> None:
    owner, squatter = "acc-sec-store-owner", "acc-sec-store-squatter"
    imei = sample_imei(PLAIN_MODEL, serial=9102)
    online = quoted(api, squatter, imei)
    squatted = api.post(f"/api/v1/quotes/{online['id']}/accept", headers=helpers.bearer(squatter))
    assert squatted.status_code == 201, squatted.text
    squatted_id = squatted.json()["id"]
    squatters_coupon = conftest.poll(lambda: coupon_of(api, squatter, squatted_id))
    assert squatters_coupon["status"] == "active"

    in_store = helpers.as_partner(api, "retailer", "POST", "/api/v1/quotes", {"imei": imei, "account_id": owner, "condition": FLAWLESS})
    assert in_store.status_code == 201, in_store.text
    path = f"/api/v1/quotes/{in_store.json()['id']}/accept"
    without_device = helpers.as_partner(api, "retailer", "POST", path)
    assert (without_device.status_code, without_device.json()["code"]) == (409, "exchange_already_open")
    taken = helpers.as_partner(api, "retailer", "POST", path, {"device_present": True}, {"Idempotency-Key": "store-takeover-1"})
    assert taken.status_code == 201, taken.text
    assert (taken.json()["account_id"], taken.json()["device_present"]) == (owner, True)

    superseded = exchange(api, squatter, squatted_id)
    assert (superseded["status"], superseded["cancel_reason"]) == ("cancelled", "superseded")
    voided = conftest.poll(lambda: (c := coupon_of(api, squatter, squatted_id)) and c["status"] == "void" and c)
    assert voided["void_reason"] == "superseded"
    order = {"order_id": "ord-sec-squat", "lines": [{"line_id": "1", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1}]}
    spend = api.post(f"/api/v1/coupons/{squatters_coupon['code']}/redemptions", json=order, headers=helpers.bearer(squatter))
    assert (spend.status_code, spend.json()["code"]) == (409, "coupon_not_active")  # the squatter keeps nothing

    owners_coupon = conftest.poll(lambda: coupon_of(api, owner, taken.json()["id"]))
    assert owners_coupon["status"] == "active" and owners_coupon["amount_paise"] == in_store.json()["amount_paise"]
