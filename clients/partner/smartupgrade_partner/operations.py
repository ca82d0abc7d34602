"""The partner operations (SPEC §5–§8), written once for the sync and the async client.

Each operation only says what to send, as a `Call`; the client sends it. `PartnerOperations[Result]` is
generic in what sending returns: `PartnerClient` returns the decoded answer, `AsyncPartnerClient` an
awaitable of it, so `await client.sell_plan(...)` and `client.sell_plan(...)` share one definition.
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, NotRequired, TypedDict, TypeVar
from urllib.parse import quote


class Condition(TypedDict):
    """The phone's condition as the customer or the inspector reports it (SPEC §6)."""

    powers_on: bool
    screen: Literal["flawless", "minor_scratches", "heavy_scratches", "cracked", "dead_pixels"]
    body: Literal["flawless", "minor_scratches", "dents", "cracked", "bent"]
    functional_issues: NotRequired[list[str]]
    accessories: NotRequired[list[str]]


class Checklist(TypedDict):
    screen_lock_removed: bool
    accounts_removed: bool
    memory_card_removed: bool


class OrderLine(TypedDict):
    line_id: str
    model_id: str
    unit_price_paise: int
    quantity: int


@dataclass(frozen=True)
class Call:
    """One API call, sent alike on every attempt: the same bytes and, for a POST, the same Idempotency-Key."""

    method: str
    path: str
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None

    @classmethod
    def post(cls, path: str, body: Mapping[str, Any] | None, idempotency_key: str | None) -> "Call":
        """A POST of `body` as compact JSON (None values left out), under the caller's key or a fresh one."""
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        if body is None:
            return cls("POST", path, b"", headers)
        content = json.dumps({k: v for k, v in body.items() if v is not None}, separators=(",", ":")).encode()
        return cls("POST", path, content, headers | {"Content-Type": "application/json"})


Result = TypeVar("Result")


class PartnerOperations(Generic[Result]):
    """Every partner operation; a client supplies `_send`."""

    def _send(self, call: Call) -> Result:
        raise NotImplementedError

    def sell_plan(
        self,
        imei: str,
        model_id: str,
        invoice_number: str,
        invoice_date: str,
        account_id: str,
        customer_phone: str,
        imei2: str | None = None,
        idempotency_key: str | None = None,
    ) -> Result:
        """Retailer: sell a Smart Upgrade plan (201, the plan with its schedule). `invoice_date` is YYYY-MM-DD, Asia/Kolkata."""
        body = {
            "imei": imei, "imei2": imei2, "model_id": model_id, "invoice_number": invoice_number,
            "invoice_date": invoice_date, "account_id": account_id, "customer_phone": customer_phone,
        }  # fmt: skip
        return self._send(Call.post("/api/v1/plans", body, idempotency_key))

    def quote(self, account_id: str, imei: str, condition: Condition, model_id: str | None = None) -> Result:
        """Retailer or logistics: an itemised trade-in quote for the customer's old phone."""
        body = {"account_id": account_id, "imei": imei, "model_id": model_id, "condition": condition}
        return self._send(Call.post("/api/v1/quotes", body, None))

    def accept_quote(self, quote_id: str, idempotency_key: str | None = None) -> Result:
        """Retailer, on the customer's behalf: accept a quote; returns the new exchange."""
        return self._send(Call.post(f"/api/v1/quotes/{_segment(quote_id)}/accept", None, idempotency_key))

    def record_handover(
        self,
        exchange_id: str,
        imei: str,
        checklist: Checklist,
        condition: Condition,
        evidence: list[str],
        idempotency_key: str | None = None,
    ) -> Result:
        """Logistics or retailer, at delivery: `{exchange, outcome: completed|revoked, reasons, repriced_paise}`."""
        body = {"imei": imei, "checklist": checklist, "condition": condition, "evidence": evidence}
        return self._send(Call.post(f"/api/v1/exchanges/{_segment(exchange_id)}/handover", body, idempotency_key))

    def redeem_coupon(
        self, code: str, account_id: str, order_id: str, lines: list[OrderLine], idempotency_key: str | None = None
    ) -> Result:
        """Checkout or retailer: spend the customer's coupon on an order; returns the redemption."""
        body = {"account_id": account_id, "order_id": order_id, "lines": lines}
        return self._send(Call.post(f"/api/v1/coupons/{_segment(code)}/redemptions", body, idempotency_key))

    def release_redemption(self, code: str, redemption_id: str, idempotency_key: str | None = None) -> Result:
        """The order was cancelled before delivery: give the coupon back."""
        path = f"/api/v1/coupons/{_segment(code)}/redemptions/{_segment(redemption_id)}/release"
        return self._send(Call.post(path, None, idempotency_key))

    def register_webhook_endpoint(self, url: str, event_types: list[str] | None = None, description: str = "") -> Result:
        """Receive events about your own plans, exchanges and redemptions at `url` (`["*"]`: every type).

        The answer holds the endpoint's `secret` (`whsec_…`) this once: keep it to `verify_webhook`.
        Registering the same URL again is 409 `webhook_endpoint_exists` naming the endpoint; rotate its secret if lost.
        """
        body = {"url": url, "event_types": event_types or ["*"], "description": description}
        return self._send(Call.post("/api/v1/webhooks/endpoints", body, None))

    def webhook_endpoints(self) -> Result:
        """Your endpoints, newest first (`items`, `next_cursor`), each with its status and, when disabled, why."""
        return self._send(Call("GET", "/api/v1/webhooks/endpoints"))

    def webhook_deliveries(self, endpoint_id: str, cursor: str | None = None) -> Result:
        """The endpoint's delivery log, newest first: status, attempts, latency, last response code."""
        return self._send(Call("GET", f"/api/v1/webhooks/endpoints/{_segment(endpoint_id)}/deliveries", params={"cursor": cursor} if cursor else None))

    def redeliver_webhook(self, endpoint_id: str, delivery_id: str) -> Result:
        """Send a delivery again from now (same webhook-id)."""
        return self._send(Call.post(f"/api/v1/webhooks/endpoints/{_segment(endpoint_id)}/deliveries/{_segment(delivery_id)}/redeliver", None, None))

    def rotate_webhook_secret(self, endpoint_id: str) -> Result:
        """A new secret (in the answer, this once); the old one keeps signing beside it for 24 h."""
        return self._send(Call.post(f"/api/v1/webhooks/endpoints/{_segment(endpoint_id)}/secret/rotate", None, None))

    def enable_webhook_endpoint(self, endpoint_id: str) -> Result:
        """Deliver again after the endpoint was disabled (by you, by ops, or after a day of failures)."""
        return self._send(Call.post(f"/api/v1/webhooks/endpoints/{_segment(endpoint_id)}/enable", None, None))

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Result:
        """Any read the partner may make, e.g. `get(f"/api/v1/exchanges/{exchange_id}")`."""
        return self._send(Call("GET", path, params=params))


def _segment(value: str) -> str:
    return quote(value, safe="")
