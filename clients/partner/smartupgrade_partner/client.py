"""A typed, synchronous client for the partner operations of the Smart Upgrade & Exchange API (SPEC §5–§8).

Every request is signed over the exact bytes sent and the path with query as sent. A signature is accepted
once, and two identical requests signed in the same second carry the same signature, so each attempt is
signed at a strictly later second than the last identical one. POSTs carry an Idempotency-Key that stays
the same across the retries of one call, which makes them safe to retry.
"""

import email.utils
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal, NotRequired, TypedDict
from urllib.parse import quote as _quote

import httpx

from smartupgrade_partner.signing import sign_request

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
MAX_SIGN_AHEAD_SECONDS = 60  # the gateway accepts 300 s of skew; never sign further ahead than this


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


class PartnerApiError(Exception):
    """A non-2xx answer. `code` is the problem+json code (SPEC §10), or None when the answer was not problem+json."""

    def __init__(self, status: int, code: str | None, detail: str, body: Any) -> None:
        super().__init__(f"{status} {code or 'error'}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.body = body


class PartnerClient:
    """One partner credential against one gateway: `PartnerClient("http://127.0.0.1:8000", key_id, secret)`."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float = 10,
        retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.2,
        max_retry_after: float = 30.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key_id, self._secret = key_id, secret
        self.retries, self.backoff, self.max_retry_after = retries, backoff, max_retry_after
        self._clock, self._sleep = clock, sleep
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self._last_signed: dict[tuple[str, str, bytes], int] = {}  # identical request -> last second it was signed at
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "PartnerClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- partner operations -------------------------------------------------------------------------

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
    ) -> dict[str, Any]:
        """Retailer: sell a Smart Upgrade plan (201, the plan with its schedule). `invoice_date` is YYYY-MM-DD, Asia/Kolkata."""
        body = {
            "imei": imei, "imei2": imei2, "model_id": model_id, "invoice_number": invoice_number,
            "invoice_date": invoice_date, "account_id": account_id, "customer_phone": customer_phone,
        }  # fmt: skip
        return self._post("/api/v1/plans", body, idempotency_key)

    def quote(self, account_id: str, imei: str, condition: Condition, model_id: str | None = None) -> dict[str, Any]:
        """Retailer or logistics: an itemised trade-in quote for the customer's old phone."""
        return self._post("/api/v1/quotes", {"account_id": account_id, "imei": imei, "model_id": model_id, "condition": condition}, None)

    def accept_quote(self, quote_id: str, idempotency_key: str | None = None) -> dict[str, Any]:
        """Retailer, on the customer's behalf: accept a quote; returns the new exchange."""
        return self._post(f"/api/v1/quotes/{_seg(quote_id)}/accept", None, idempotency_key)

    def record_handover(
        self,
        exchange_id: str,
        imei: str,
        checklist: Checklist,
        condition: Condition,
        evidence: list[str],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Logistics or retailer, at delivery: `{exchange, outcome: completed|revoked, reasons, repriced_paise}`."""
        body = {"imei": imei, "checklist": checklist, "condition": condition, "evidence": evidence}
        return self._post(f"/api/v1/exchanges/{_seg(exchange_id)}/handover", body, idempotency_key)

    def redeem_coupon(
        self, code: str, account_id: str, order_id: str, lines: list[OrderLine], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Checkout or retailer: spend the customer's coupon on an order; returns the redemption."""
        body = {"account_id": account_id, "order_id": order_id, "lines": lines}
        return self._post(f"/api/v1/coupons/{_seg(code)}/redemptions", body, idempotency_key)

    def release_redemption(self, code: str, redemption_id: str, idempotency_key: str | None = None) -> dict[str, Any]:
        """The order was cancelled before delivery: give the coupon back."""
        return self._post(f"/api/v1/coupons/{_seg(code)}/redemptions/{_seg(redemption_id)}/release", None, idempotency_key)

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Any read the partner may make, e.g. `get(f"/api/v1/exchanges/{exchange_id}")`."""
        return self._send("GET", path, None, {}, params)

    # --- the machinery ---------------------------------------------------------------------------------

    def _post(self, path: str, body: Mapping[str, Any] | None, idempotency_key: str | None) -> dict[str, Any]:
        content = json.dumps({k: v for k, v in body.items() if v is not None}, separators=(",", ":")).encode() if body is not None else b""
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self._send("POST", path, content, headers, None)

    def _send(
        self, method: str, path: str, content: bytes | None, headers: dict[str, str], params: Mapping[str, str] | None
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            request = self._http.build_request(method, path, content=content, headers=headers, params=params)
            self._sign(request)
            try:
                response = self._http.send(request)
            except httpx.TransportError:
                if attempt >= self.retries:
                    raise
                self._sleep(self._delay(attempt, None))
                attempt += 1
                continue
            if attempt < self.retries and _retryable(response):
                self._sleep(self._delay(attempt, response.headers.get("retry-after")))
                attempt += 1
                continue
            return _decoded(response)

    def _sign(self, request: httpx.Request) -> None:
        """Sign at the current second, or one past the last second this identical request was signed at."""
        path_with_query = request.url.raw_path.decode("ascii")
        body = request.content
        key = (request.method, path_with_query, body)
        with self._lock:
            now = int(self._clock())
            timestamp = max(now, self._last_signed.get(key, now - 1) + 1)
            self._last_signed = {k: t for k, t in self._last_signed.items() if t >= now}
            self._last_signed[key] = timestamp
        if timestamp - now > MAX_SIGN_AHEAD_SECONDS:
            self._sleep(timestamp - now - MAX_SIGN_AHEAD_SECONDS)
        request.headers.update(sign_request(self.key_id, self._secret, request.method, path_with_query, body, now=timestamp))

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff * 2**attempt
        if retry_after:
            delay = max(delay, min(_seconds(retry_after, self._clock()), self.max_retry_after))
        return delay


def _seg(value: str) -> str:
    return _quote(value, safe="")


def _retryable(response: httpx.Response) -> bool:
    if response.status_code in RETRYABLE_STATUSES:
        return True
    # The first attempt of this keyed POST is still running at the service: ask again shortly.
    return response.status_code == 409 and _problem_code(response) == "idempotency_key_in_flight"


def _problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _seconds(retry_after: str, now: float) -> float:
    """Retry-After as delay-seconds or an HTTP date."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
    except (TypeError, ValueError):
        return 0.0


def _decoded(response: httpx.Response) -> dict[str, Any]:
    if response.is_success:
        return response.json()  # type: ignore[no-any-return]
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict) and response.headers.get("content-type", "").startswith("application/problem+json"):
        raise PartnerApiError(response.status_code, body.get("code"), str(body.get("detail", "")), body)
    raise PartnerApiError(response.status_code, None, response.reason_phrase or "unexpected answer", body)
