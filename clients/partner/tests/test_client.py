"""PartnerClient against httpx.MockTransport: signing, retries, idempotency keys and problem+json errors."""

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from smartupgrade_partner import Checklist, Condition, OrderLine, PartnerApiError, PartnerClient
from smartupgrade_partner.signing import string_to_sign

KEY, SECRET = "pk_test", "test-secret"
FLAWLESS: Condition = {"powers_on": True, "screen": "flawless", "body": "flawless"}
PROBLEM = "application/problem+json"


class FakeTime:
    """A clock that only moves when the client sleeps (or the test moves it)."""

    def __init__(self, now: float = 1_700_000_000.25) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(handler: Callable[[httpx.Request], httpx.Response], fake: FakeTime, **options: Any) -> PartnerClient:
    return PartnerClient(
        "https://gw.example", KEY, SECRET, transport=httpx.MockTransport(handler), clock=fake.clock, sleep=fake.sleep, **options
    )


def verify(request: httpx.Request) -> int:
    """Check the request as the gateway does; returns the signed timestamp."""
    assert request.headers["x-api-key"] == KEY
    parts = dict(item.split("=", 1) for item in request.headers["x-signature"].split(","))
    timestamp = int(parts["t"])
    signed = string_to_sign(timestamp, request.method, request.url.raw_path.decode(), request.content)
    assert hmac.compare_digest(parts["v1"], hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest())
    return timestamp


def test_the_signature_covers_the_exact_body_and_the_path_with_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        verify(request)
        return httpx.Response(201, json={"id": "pln_1"})

    fake = FakeTime()
    with client(handler, fake) as partner:
        plan = partner.sell_plan("990008010000011", "redmi-9-4gb-64gb", "INV-1", "2026-01-02", "acc-1", "+919800000001")
        partner.get("/api/v1/plans/preview", params={"model_id": "redmi-9-4gb-64gb", "purchase_date": "2026-01-02"})
    assert plan == {"id": "pln_1"}
    sale, preview = seen
    assert sale.url.path == "/api/v1/plans" and sale.headers["content-type"] == "application/json"
    assert json.loads(sale.content)["account_id"] == "acc-1" and "imei2" not in json.loads(sale.content)
    assert verify(sale) == int(fake.now)
    assert preview.url.raw_path == b"/api/v1/plans/preview?model_id=redmi-9-4gb-64gb&purchase_date=2026-01-02"
    assert preview.content == b"" and "idempotency-key" not in preview.headers


def test_a_retry_is_signed_at_a_later_second_and_keeps_the_idempotency_key() -> None:
    attempts: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(attempts) < 4:
            retry_after = {"retry-after": "1"} if len(attempts) == 2 else {}
            return httpx.Response(
                503 if len(attempts) == 2 else 502, json={"code": "upstream_unavailable"}, headers={"content-type": PROBLEM, **retry_after}
            )
        return httpx.Response(201, json={"id": "exc_1"})

    fake = FakeTime()
    exchange = client(handler, fake).accept_quote("qte_1")
    assert exchange == {"id": "exc_1"} and len(attempts) == 4
    stamps = [verify(r) for r in attempts]
    start = int(fake.now) - 2  # 2 s of sleeps in all: strictly later seconds each time, although only 0.2 s passed at first
    assert stamps == [start, start + 1, start + 2, start + 3]
    signatures = {r.headers["x-signature"] for r in attempts}
    assert len(signatures) == 4
    keys = {r.headers["idempotency-key"] for r in attempts}
    assert len(keys) == 1 and len(keys.pop()) == 36
    assert fake.slept == [0.2, 1.0, 0.8]  # exponential backoff from 0.2 s; the 503's Retry-After (1 s) beats its 0.4 s


def test_retries_give_up_after_the_limit_with_the_last_problem() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(504, json={"code": "upstream_timeout", "detail": "slow"}, headers={"content-type": PROBLEM})

    with pytest.raises(PartnerApiError) as caught:
        client(handler, FakeTime(), retries=2).get("/api/v1/quotes/qte_1")
    assert caught.value.status == 504 and caught.value.code == "upstream_timeout" and len(calls) == 3


def test_a_problem_answer_raises_with_its_code_and_is_not_retried() -> None:
    calls = []
    problem = {
        "type": "urn:smartupgrade:problem:imei_already_enrolled",
        "status": 409,
        "detail": "One live plan per device.",
        "code": "imei_already_enrolled",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(409, json=problem, headers={"content-type": PROBLEM})

    with pytest.raises(PartnerApiError) as caught:
        client(handler, FakeTime()).sell_plan(
            "990008010000011", "redmi-9-4gb-64gb", "INV-1", "2026-01-02", "acc-1", "+919800000001", idempotency_key="k-1"
        )
    error = caught.value
    assert (error.status, error.code, error.detail, error.body) == (409, "imei_already_enrolled", "One live plan per device.", problem)
    assert len(calls) == 1 and calls[0].headers["idempotency-key"] == "k-1"


def test_429_waits_as_long_as_retry_after_says_capped() -> None:
    answers = iter([
        httpx.Response(429, json={"code": "rate_limited", "detail": "slow down"}, headers={"content-type": PROBLEM, "retry-after": "3"}),
        httpx.Response(429, json={"code": "rate_limited", "detail": "slow down"}, headers={"content-type": PROBLEM, "retry-after": "600"}),
        httpx.Response(200, json={"code": "ABCD-EFGH"}),
    ])  # fmt: skip
    fake = FakeTime()
    coupon = client(lambda request: next(answers), fake, max_retry_after=30).get("/api/v1/coupons/ABCD-EFGH")
    assert coupon == {"code": "ABCD-EFGH"}
    assert fake.slept == [3.0, 30.0]


def test_a_quote_sends_the_account_and_redeem_the_lines() -> None:
    bodies: dict[str, dict] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        verify(request)
        bodies[request.url.path] = json.loads(request.content)
        return httpx.Response(201, json={"id": "x"})

    partner = client(handler, FakeTime())
    partner.quote("acc-9", "990001010000018", FLAWLESS)
    line: OrderLine = {"line_id": "1", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1}
    partner.redeem_coupon("ABCD-EFGH", "acc-9", "ord-1", [line])
    assert bodies["/api/v1/quotes"] == {"account_id": "acc-9", "imei": "990001010000018", "condition": FLAWLESS}
    assert bodies["/api/v1/coupons/ABCD-EFGH/redemptions"] == {"account_id": "acc-9", "order_id": "ord-1", "lines": [line]}


def test_identical_reads_in_one_second_get_distinct_signatures() -> None:
    signatures = []

    def handler(request: httpx.Request) -> httpx.Response:
        signatures.append(request.headers["x-signature"])
        return httpx.Response(200, json={})

    partner = client(handler, FakeTime())
    partner.get("/api/v1/exchanges/exc_1")
    partner.get("/api/v1/exchanges/exc_1")
    assert len(set(signatures)) == 2


def test_a_keyed_post_still_running_at_the_service_is_asked_again() -> None:
    answers = iter([
        httpx.Response(409, json={"code": "idempotency_key_in_flight", "detail": "still running"}, headers={"content-type": PROBLEM}),
        httpx.Response(200, json={"outcome": "completed"}),
    ])  # fmt: skip
    checklist: Checklist = {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True}
    result = client(lambda request: next(answers), FakeTime()).record_handover("exc_1", "990001010000018", checklist, FLAWLESS, [])
    assert result == {"outcome": "completed"}
