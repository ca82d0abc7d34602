"""The partner client against the real processes: a retailer sells a plan and trades a phone in, the checkout spends the
coupon (releasing one order first), logistics hands the old phone over and the exchange completes."""

import importlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from catalog.seed.__main__ import sample_imei
from launcher.stack import Stack
from smartupgrade_partner import Checklist, Condition, OrderLine, PartnerApiError, PartnerClient

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

ACCOUNT = "acc-e2e-partner-client"
PLAN_MODEL, PLAN_SERIAL = "redmi-note-9-4gb-64gb", 6600
OLD_MODEL, OLD_SERIAL = "redmi-note-8-4gb-64gb", 6601
FLAWLESS: Condition = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box"]}
CHECKLIST: Checklist = {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True}


@pytest.fixture
def partners(stack: Stack) -> Iterator[dict[str, PartnerClient]]:
    """One client per kind of dev partner in deploy/local/partners.json."""
    base_url = f"http://127.0.0.1:{stack.gateway_port}"
    clients = {kind: PartnerClient(base_url, p["key_id"], p["secret"]) for kind, p in helpers.PARTNERS.items()}
    yield clients
    for client in clients.values():
        client.close()


def order(order_id: str) -> tuple[str, list[OrderLine]]:
    return order_id, [
        {"line_id": "1", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1},
        {"line_id": "2", "model_id": "mi-10t-6gb-128gb-case", "unit_price_paise": 49900, "quantity": 1},
    ]


def quote_once_valuation_knows_the_model(retailer: PartnerClient, imei: str) -> dict[str, Any]:
    """Valuation learns the catalog from events too: until then the TAC is unknown to it."""

    def attempt() -> dict[str, Any] | None:
        try:
            return retailer.quote(ACCOUNT, imei, FLAWLESS, model_id=OLD_MODEL)
        except PartnerApiError as error:
            if error.code in ("tac_unknown", "model_not_eligible"):
                return None
            raise

    return conftest.poll(attempt)


def exchange_in(retailer: PartnerClient, exchange_id: str, status: str) -> dict[str, Any]:
    return conftest.poll(lambda: (e := retailer.get(f"/api/v1/exchanges/{exchange_id}"))["status"] == status and e)


def test_a_partner_client_takes_a_trade_in_from_sale_to_handover(api, partners) -> None:
    retailer, checkout, logistics = partners["retailer"], partners["checkout"], partners["logistics"]

    # Sell a plan once the catalog's seed has reached enrolment.
    invoice_date = (datetime.now(ZoneInfo("Asia/Kolkata")).date() - timedelta(days=1)).isoformat()
    conftest.poll(lambda: api.get("/api/v1/plans/preview", params={"model_id": PLAN_MODEL, "purchase_date": invoice_date}).status_code == 200)
    imei = sample_imei(PLAN_MODEL, serial=PLAN_SERIAL)
    plan = retailer.sell_plan(imei, PLAN_MODEL, "MIH-KOR-PC-1", invoice_date, ACCOUNT, "+919800000066", idempotency_key="e2e-partner-client-sale")
    assert plan["status"] == "active" and plan["account_id"] == ACCOUNT and plan["fee_paise"] == 49900
    assert retailer.sell_plan(imei, PLAN_MODEL, "MIH-KOR-PC-1", invoice_date, ACCOUNT, "+919800000066", idempotency_key="e2e-partner-client-sale") == plan
    with pytest.raises(PartnerApiError) as refused:
        retailer.sell_plan(imei, PLAN_MODEL, "MIH-KOR-PC-2", invoice_date, ACCOUNT, "+919800000066")
    assert refused.value.status == 409 and refused.value.code == "imei_already_enrolled"
    assert retailer.get(f"/api/v1/plans/{plan['id']}")["id"] == plan["id"]

    # Quote the customer's old phone, and accept on their behalf.
    old_imei = sample_imei(OLD_MODEL, serial=OLD_SERIAL)
    quote = quote_once_valuation_knows_the_model(retailer, old_imei)
    assert quote["status"] == "offered" and quote["program"] == "exchange" and quote["amount_paise"] >= 10000
    assert retailer.get(f"/api/v1/quotes/{quote['id']}")["id"] == quote["id"]
    exchange = retailer.accept_quote(quote["id"])
    assert exchange["status"] == "accepted" and exchange["amount_paise"] == quote["amount_paise"]

    # The coupon is minted from ExchangeAccepted; its code is shown to the customer alone.
    owner = helpers.bearer(ACCOUNT)
    code = conftest.poll(lambda: api.get(f"/api/v1/exchanges/{exchange['id']}", headers=owner).json()["coupon_code"])
    assert exchange_in(retailer, exchange["id"], "coupon_issued")["coupon_code"] is None
    coupon = checkout.get(f"/api/v1/coupons/{code}")
    assert coupon["status"] == "active" and coupon["amount_paise"] == quote["amount_paise"]

    # The checkout spends it on an order, which is cancelled before delivery: the coupon comes back.
    first = checkout.redeem_coupon(code, ACCOUNT, *order("ord-e2e-pc-1"))
    assert first["discount_paise"] == quote["amount_paise"] and first["line_id"] == "1" and first["status"] == "held"
    exchange_in(retailer, exchange["id"], "awaiting_handover")
    released = checkout.release_redemption(code, first["id"])
    assert released["status"] == "released"
    assert checkout.get(f"/api/v1/coupons/{code}")["status"] == "active"
    exchange_in(retailer, exchange["id"], "coupon_issued")

    # A second order keeps it; logistics collects the old phone at delivery.
    second = checkout.redeem_coupon(code, ACCOUNT, *order("ord-e2e-pc-2"))
    assert second["id"] != first["id"] and checkout.get(f"/api/v1/coupons/{code}")["status"] == "redeemed"
    exchange_in(retailer, exchange["id"], "awaiting_handover")
    evidence = [f"s3://handover-photos/{exchange['id']}/front.jpg", f"s3://handover-photos/{exchange['id']}/back.jpg"]
    handover = logistics.record_handover(exchange["id"], old_imei, CHECKLIST, FLAWLESS, evidence)
    assert handover["outcome"] == "completed" and handover["reasons"] == []
    assert handover["exchange"]["status"] == "completed" and handover["exchange"]["discounted_paise"] == quote["amount_paise"]
    assert logistics.get(f"/api/v1/exchanges/{exchange['id']}")["status"] == "completed"
    assert api.get(f"/api/v1/exchanges/{exchange['id']}", headers=owner).json()["status"] == "completed"
