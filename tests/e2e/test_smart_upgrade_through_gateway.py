"""Selling a Smart Upgrade plan through the gateway, with the catalog feeding enrolment by events."""

import importlib
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from catalog.seed.__main__ import sample_imei

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

MODEL = "redmi-note-9-pro-4gb-64gb"


def india_today() -> date:
    return datetime.now(ZoneInfo("Asia/Kolkata")).date()


def preview(api: httpx.Client, model_id: str, day: date) -> dict[str, Any] | None:
    response = api.get("/api/v1/plans/preview", params={"model_id": model_id, "purchase_date": day.isoformat()})
    return response.json() if response.status_code == 200 else None


def test_a_retailer_sells_a_plan_and_the_customer_sees_its_schedule(api) -> None:
    invoice_date = india_today() - timedelta(days=2)
    conftest.poll(lambda: preview(api, MODEL, invoice_date))  # the catalog's seed has reached enrolment
    sale = {
        "imei": sample_imei(MODEL, serial=4242), "model_id": MODEL, "invoice_number": "MIH-KOR-000123",
        "invoice_date": invoice_date.isoformat(), "account_id": "acc-e2e-plan", "customer_phone": "+919800000001",
    }
    sold = helpers.as_partner(api, "retailer", "POST", "/api/v1/plans", sale, {"Idempotency-Key": "sale-e2e-1"})
    assert sold.status_code == 201, sold.text
    plan = sold.json()
    assert plan["srp_paise"] == 1399900 and plan["fee_paise"] == 54900
    assert [w["percent"] for w in plan["schedule"]] == [70, 60, 50, 40]
    assert plan["schedule"][0]["amount_paise"] == 979930

    # A retry is a new signed request (a signature is single use), carrying the same Idempotency-Key.
    replay = helpers.as_partner(api, "retailer", "POST", "/api/v1/plans", sale, {"Idempotency-Key": "sale-e2e-1"}, now=time.time() + 1)
    assert replay.headers.get("idempotent-replayed") == "true" and replay.json()["id"] == plan["id"]
    again = helpers.as_partner(api, "retailer", "POST", "/api/v1/plans", sale, now=time.time() + 2)
    assert again.status_code == 409 and again.json()["code"] == "imei_already_enrolled"

    mine = api.get("/api/v1/me/plans", headers=helpers.bearer("acc-e2e-plan")).json()["items"]
    assert [p["id"] for p in mine] == [plan["id"]]
    assert mine[0]["schedule"] == plan["schedule"]
    assert api.get(f"/api/v1/plans/{plan['id']}", headers=helpers.bearer("acc-someone-else")).status_code == 404


def test_an_srp_change_by_ops_reaches_enrolment_through_the_broker(api) -> None:
    model = "redmi-9-prime-4gb-128gb"
    day = india_today()
    before = conftest.poll(lambda: preview(api, model, day))
    new_srp = before["srp_paise"] + 50000
    changed = api.post(
        f"/api/v1/catalog/models/{model}/prices", json={"effective_from": day.isoformat(), "srp_paise": new_srp}, headers=helpers.bearer("ops-1", "ops")
    )
    assert changed.status_code == 201
    after = conftest.poll(lambda: (p := preview(api, model, day)) and p["srp_paise"] == new_srp and p)
    assert after["schedule"][0]["amount_paise"] == new_srp * 70 // 100
