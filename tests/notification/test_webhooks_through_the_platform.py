"""Partner webhooks and customer messages through the real processes: broker, services, gateway, notification.

A retailer's receiving server fails its first deliveries, then accepts: every event about the
retailer's exchange arrives, exactly once by webhook-id, with a signature the `standardwebhooks`
library accepts and a per-subject sequence; another retailer receives none of it; the customer
finds the credit and the cancellation under /me/notifications.
"""

import importlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from catalog.seed.__main__ import sample_imei
from smartupgrade_partner import verify_webhook
from smartupgrade_partner.signing import sign_request

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")
Receiver = importlib.import_module("tests.notification.receiver").Receiver

PARTNERS = {p["key_id"]: p for p in json.loads((Path(__file__).resolve().parents[2] / "deploy/local/partners.json").read_text())}
KORAMANGALA, ANDHERI = "pk_retail_mihome_koramangala", "pk_retail_mistudio_andheri"
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}
EXPECTED = {
    "valuation.ExchangeAccepted", "coupon.CouponIssued", "valuation.ExchangeCancellationRequested", "coupon.CouponVoided",
    "valuation.ExchangeCancelled",
}  # fmt: skip


def as_partner(api: httpx.Client, key_id: str, method: str, path: str, body: object | None = None) -> httpx.Response:
    raw = json.dumps(body).encode() if body is not None else b""
    signed = sign_request(key_id, PARTNERS[key_id]["secret"], method, path, raw)
    return api.request(method, path, content=raw, headers={"content-type": "application/json", **signed})


def register(api: httpx.Client, key_id: str, url: str) -> dict[str, Any]:
    response = as_partner(api, key_id, "POST", "/api/v1/webhooks/endpoints", {"url": url, "event_types": ["*"]})
    assert response.status_code == 201, response.text
    return response.json()


def verified(receiver: Any, secret: str) -> dict[str, dict[str, Any]]:
    """Every request checked as a partner would (standardwebhooks); the events it accepted (2xx), once per webhook-id."""
    for headers, body in receiver.received():
        assert verify_webhook(secret, headers, body) == Webhook(secret).verify(body, headers)  # the partner client's one call agrees
    kept: dict[str, dict[str, Any]] = {}
    for headers, body in receiver.received(accepted_only=True):
        kept.setdefault(headers["webhook-id"], Webhook(secret).verify(body, headers))
    return kept


def test_a_retailer_receives_its_exchange_events_once_signed_and_ordered_despite_failures_and_no_one_else_does(api: httpx.Client) -> None:
    account = "acc-e2e-webhooks"
    with Receiver(failures=[503, 503, 429, 500]) as mine, Receiver() as theirs:
        endpoint = register(api, KORAMANGALA, mine.url)
        other = register(api, ANDHERI, theirs.url)

        body = {"imei": sample_imei("samsung-galaxy-m31-6gb-64gb", 7301), "condition": FLAWLESS, "account_id": account}
        quote = conftest.poll(lambda: (r := as_partner(api, KORAMANGALA, "POST", "/api/v1/quotes", body)).status_code == 201 and r.json())
        accepted = as_partner(api, KORAMANGALA, "POST", f"/api/v1/quotes/{quote['id']}/accept")
        assert accepted.status_code == 201, accepted.text
        exchange_id = accepted.json()["id"]
        conftest.poll(lambda: api.get(f"/api/v1/exchanges/{exchange_id}", headers=helpers.bearer(account)).json().get("coupon_code"))
        assert api.post(f"/api/v1/exchanges/{exchange_id}/cancel", headers=helpers.bearer(account)).status_code == 200
        cancelled_at = time.monotonic()

        def all_arrived() -> dict[str, dict[str, Any]] | None:
            events = verified(mine, endpoint["secret"])
            return events if {e["type"] for e in events.values()} >= EXPECTED else None

        events = conftest.poll(all_arrived, timeout=60, interval=0.3)
        print(f"{len(EXPECTED)} events verified {time.monotonic() - cancelled_at:.2f}s after the cancel, in {len(mine.received())} requests")

        def log_settled() -> list[dict[str, Any]] | None:
            response = as_partner(api, KORAMANGALA, "GET", f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries")
            if response.status_code != 200:  # a signature is accepted once: a poll in the same second is refused
                return None
            items = response.json()["items"]
            return items if len(items) == len(EXPECTED) and all(d["status"] == "succeeded" for d in items) else None

        log = conftest.poll(log_settled, timeout=30, interval=0.3)
        # Nothing more can come: every delivery is settled; what arrived is each event exactly once by webhook-id.
        events = verified(mine, endpoint["secret"])
        assert sorted(e["type"] for e in events.values()) == sorted(EXPECTED)
        assert len(mine.received()) == len(events) + 4  # each refused attempt was retried, with the same webhook-id
        assert len(mine.received(accepted_only=True)) == len(events)  # and none accepted was sent again
        assert {d["id"] for d in log} == set(events) and max(d["attempts"] for d in log) >= 2
        assert all(d["last_status_code"] == 204 and d["last_latency_ms"] is not None for d in log)
        print("attempts per delivery:", sorted(d["attempts"] for d in log), "latency ms:", sorted(d["last_latency_ms"] for d in log))

        exchange_events = sorted((e for e in events.values() if e["subject"] == exchange_id), key=lambda e: e["sequence"])
        assert [e["type"] for e in exchange_events] == ["valuation.ExchangeAccepted", "valuation.ExchangeCancellationRequested", "valuation.ExchangeCancelled"]
        coupon_events = [e for e in events.values() if e["type"].startswith("coupon.")]
        assert all("code" not in e["data"] and e["data"]["exchange_id"] == exchange_id for e in coupon_events)

        # Nothing more for these receivers, which close now: the endpoints stop before later tests' events.
        for key_id, registered in ((KORAMANGALA, endpoint), (ANDHERI, other)):
            assert as_partner(api, key_id, "POST", f"/api/v1/webhooks/endpoints/{registered['id']}/disable").status_code == 200
        assert theirs.received() == []
        other_log = as_partner(api, ANDHERI, "GET", f"/api/v1/webhooks/endpoints/{other['id']}/deliveries").json()["items"]
        assert other_log == []
        assert as_partner(api, ANDHERI, "GET", f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries").status_code == 404

    def told() -> list[str] | None:
        items = api.get("/api/v1/me/notifications", headers=helpers.bearer(account)).json()["items"]
        reasons = sorted(m["reason"] for m in items)
        return reasons if reasons == ["coupon_credited", "exchange_cancelled"] else None

    assert conftest.poll(told, timeout=30, interval=0.3)
    assert api.get("/api/v1/me/notifications", headers=helpers.bearer("acc-e2e-stranger")).json()["items"] == []
