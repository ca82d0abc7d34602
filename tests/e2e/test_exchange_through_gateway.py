"""Trading in a phone through the gateway: quote → accept → coupon credited → spent → handover."""

import asyncio
import importlib
import time
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from catalog.seed.__main__ import sample_imei

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}


def quote_for(api: httpx.Client, account: str, model_id: str, serial: int, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"imei": sample_imei(model_id, serial), "condition": condition or FLAWLESS}

    def attempt() -> dict[str, Any] | None:
        response = api.post("/api/v1/quotes", json=body, headers=helpers.bearer(account))
        return response.json() if response.status_code == 201 else None

    return conftest.poll(attempt)  # the catalog's seed reaches valuation by events


def coupons_of(api: httpx.Client, account: str) -> list[dict[str, Any]]:
    return api.get("/api/v1/me/coupons", headers=helpers.bearer(account)).json()["items"]


def exchange(api: httpx.Client, account: str, exchange_id: str) -> dict[str, Any]:
    return api.get(f"/api/v1/exchanges/{exchange_id}", headers=helpers.bearer(account)).json()


def test_an_accepted_quote_credits_a_coupon_that_is_spent_once_and_the_phone_is_handed_over(api, stack) -> None:
    account = "acc-e2e-exchange"
    quote = quote_for(api, account, "samsung-galaxy-m31-6gb-64gb", serial=7001, condition=FLAWLESS | {"screen": "minor_scratches"})
    assert quote["program"] == "exchange" and quote["deductions"][0]["reason"].startswith("screen")
    assert quote["amount_paise"] % 100 == 0 and quote["amount_paise"] == quote["market_offer_paise"]

    accepted_at = time.monotonic()
    accepted = api.post(f"/api/v1/quotes/{quote['id']}/accept", headers=helpers.bearer(account) | {"Idempotency-Key": "accept-7001"})
    assert accepted.status_code == 201, accepted.text
    exchange_id = accepted.json()["id"]
    assert asyncio.run(_published(f"127.0.0.1:{stack.broker_port}", "valuation.events", exchange_id, b"valuation.ExchangeAccepted"))

    coupon = conftest.poll(lambda: next(iter(coupons_of(api, account)), None), timeout=15, interval=0.05)
    credit_seconds = time.monotonic() - accepted_at
    print(f"coupon credited {credit_seconds:.2f}s after the accept")
    assert coupon["amount_paise"] == quote["amount_paise"] and coupon["status"] == "active"
    assert conftest.poll(lambda: exchange(api, account, exchange_id).get("coupon_code") == coupon["code"])

    order = {"order_id": "ord-e2e-1", "lines": [
        {"line_id": "1", "model_id": "redmi-earbuds-s", "unit_price_paise": 179900, "quantity": 1},
        {"line_id": "2", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1},
    ]}
    redeemed = api.post(f"/api/v1/coupons/{coupon['code']}/redemptions", json=order, headers=helpers.bearer(account))
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["line_id"] == "2" and redeemed.json()["discount_paise"] == coupon["amount_paise"]
    other_order = api.post(f"/api/v1/coupons/{coupon['code']}/redemptions", json=order | {"order_id": "ord-e2e-2"}, headers=helpers.bearer(account))
    assert other_order.status_code == 409 and other_order.json()["code"] == "coupon_already_redeemed"

    assert conftest.poll(lambda: exchange(api, account, exchange_id)["status"] == "awaiting_handover")
    handover = {
        "imei": quote["imei"], "checklist": {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True},
        "condition": FLAWLESS | {"screen": "minor_scratches"}, "evidence": ["photo://front", "photo://back"],
    }
    done = helpers.as_partner(api, "logistics", "POST", f"/api/v1/exchanges/{exchange_id}/handover", handover)
    assert done.status_code in (200, 201), done.text
    assert conftest.poll(lambda: exchange(api, account, exchange_id)["status"] == "completed")


def test_a_customer_cancel_before_use_voids_the_coupon(api) -> None:
    account = "acc-e2e-cancel"
    quote = quote_for(api, account, "oneplus-8-6gb-128gb", serial=7002)
    exchange_id = api.post(f"/api/v1/quotes/{quote['id']}/accept", headers=helpers.bearer(account)).json()["id"]
    code = conftest.poll(lambda: exchange(api, account, exchange_id).get("coupon_code"))
    asked = api.post(f"/api/v1/exchanges/{exchange_id}/cancel", headers=helpers.bearer(account))
    assert asked.status_code == 200 and asked.json()["status"] == "cancelling"  # the coupon service decides
    cancelled = conftest.poll(lambda: (e := exchange(api, account, exchange_id))["status"] == "cancelled" and e)
    assert cancelled["cancel_reason"] == "customer_cancelled"
    voided = conftest.poll(lambda: (c := api.get(f"/api/v1/coupons/{code}", headers=helpers.bearer(account)).json())["status"] == "void" and c)
    assert voided["void_reason"] == "customer_cancelled"
    assert api.get(f"/api/v1/coupons/{code}", headers=helpers.bearer("acc-stranger")).status_code == 404


async def _published(bootstrap: str, topic: str, key: str, event_type: bytes) -> bool:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                if any(r.key == key.encode() and ("ce_type", event_type) in list(r.headers) for r in records):
                    return True
        return False
    finally:
        await consumer.stop()
