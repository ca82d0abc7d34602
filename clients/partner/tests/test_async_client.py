"""AsyncPartnerClient: the sync client's guarantees (signing, retries, idempotency keys, problem+json errors),
against httpx.MockTransport with a fake clock, and against a real HTTP server on loopback."""

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from smartupgrade_partner import AsyncPartnerClient, Checklist, Condition, OrderLine, PartnerApiError, PartnerClient
from smartupgrade_partner.signing import string_to_sign

KEY, SECRET = "pk_test", "test-secret"
FLAWLESS: Condition = {"powers_on": True, "screen": "flawless", "body": "flawless"}
CHECKLIST: Checklist = {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True}
PROBLEM = "application/problem+json"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self, now: float = 1_700_000_000.25) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(handler: Handler | None, fake: FakeTime, base_url: str = "https://gw.example", **options: Any) -> AsyncPartnerClient:
    transport = httpx.MockTransport(handler) if handler else None
    return AsyncPartnerClient(base_url, KEY, SECRET, transport=transport, clock=fake.clock, sleep=fake.sleep, **options)


def verify(method: str, raw_path: str, body: bytes, headers: dict[str, str]) -> int:
    """Check a request as the gateway does; returns the signed timestamp."""
    assert headers["x-api-key"] == KEY
    parts = dict(item.split("=", 1) for item in headers["x-signature"].split(","))
    signed = string_to_sign(int(parts["t"]), method, raw_path, body)
    assert hmac.compare_digest(parts["v1"], hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest())
    return int(parts["t"])


def verified(request: httpx.Request) -> int:
    return verify(request.method, request.url.raw_path.decode(), request.content, dict(request.headers))


async def test_the_signature_covers_the_exact_body_and_the_path_with_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        verified(request)
        return httpx.Response(201, json={"id": "pln_1"})

    fake = FakeTime()
    async with client(handler, fake) as partner:
        plan = await partner.sell_plan("990008010000011", "redmi-9-4gb-64gb", "INV-1", "2026-01-02", "acc-1", "+919800000001")
        await partner.get("/api/v1/plans/preview", params={"model_id": "redmi-9-4gb-64gb", "purchase_date": "2026-01-02"})
    assert plan == {"id": "pln_1"}
    sale, preview = seen
    assert sale.url.path == "/api/v1/plans" and sale.headers["content-type"] == "application/json"
    assert json.loads(sale.content)["account_id"] == "acc-1" and "imei2" not in json.loads(sale.content)
    assert verified(sale) == int(fake.now)
    assert preview.url.raw_path == b"/api/v1/plans/preview?model_id=redmi-9-4gb-64gb&purchase_date=2026-01-02"
    assert preview.content == b"" and "idempotency-key" not in preview.headers


async def test_a_retry_is_signed_at_a_later_second_and_keeps_the_idempotency_key() -> None:
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
    exchange = await client(handler, fake).accept_quote("qte_1")
    assert exchange == {"id": "exc_1"} and len(attempts) == 4
    start = int(fake.now) - 2  # 2 s of sleeps in all: strictly later seconds each time, although only 0.2 s passed at first
    assert [verified(r) for r in attempts] == [start, start + 1, start + 2, start + 3]
    assert len({r.headers["x-signature"] for r in attempts}) == 4
    keys = {r.headers["idempotency-key"] for r in attempts}
    assert len(keys) == 1 and len(keys.pop()) == 36
    assert fake.slept == [0.2, 1.0, 0.8]  # exponential backoff from 0.2 s; the 503's Retry-After (1 s) beats its 0.4 s


async def test_retries_give_up_after_the_limit_with_the_last_problem() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(504, json={"code": "upstream_timeout", "detail": "slow"}, headers={"content-type": PROBLEM})

    with pytest.raises(PartnerApiError) as caught:
        await client(handler, FakeTime(), retries=2).get("/api/v1/quotes/qte_1")
    assert caught.value.status == 504 and caught.value.code == "upstream_timeout" and len(calls) == 3


async def test_a_problem_answer_raises_with_its_code_and_is_not_retried() -> None:
    calls = []
    problem = {
        "type": "urn:smartupgrade:problem:coupon_already_redeemed",
        "status": 409,
        "detail": "Spent.",
        "code": "coupon_already_redeemed",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(409, json=problem, headers={"content-type": PROBLEM})

    line: OrderLine = {"line_id": "1", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1}
    with pytest.raises(PartnerApiError) as caught:
        await client(handler, FakeTime()).redeem_coupon("ABCD-EFGH", "acc-1", "ord-1", [line], idempotency_key="k-1")
    error = caught.value
    assert (error.status, error.code, error.detail, error.body) == (409, "coupon_already_redeemed", "Spent.", problem)
    assert len(calls) == 1 and calls[0].headers["idempotency-key"] == "k-1"


async def test_429_waits_as_long_as_retry_after_says_capped() -> None:
    answers = iter([
        httpx.Response(429, json={"code": "rate_limited"}, headers={"content-type": PROBLEM, "retry-after": "3"}),
        httpx.Response(429, json={"code": "rate_limited"}, headers={"content-type": PROBLEM, "retry-after": "600"}),
        httpx.Response(200, json={"code": "ABCD-EFGH"}),
    ])  # fmt: skip
    fake = FakeTime()
    coupon = await client(lambda request: next(answers), fake, max_retry_after=30).get("/api/v1/coupons/ABCD-EFGH")
    assert coupon == {"code": "ABCD-EFGH"}
    assert fake.slept == [3.0, 30.0]


async def test_a_keyed_post_still_running_at_the_service_is_asked_again() -> None:
    answers = iter([
        httpx.Response(409, json={"code": "idempotency_key_in_flight", "detail": "still running"}, headers={"content-type": PROBLEM}),
        httpx.Response(200, json={"outcome": "completed"}),
    ])  # fmt: skip
    result = await client(lambda request: next(answers), FakeTime()).record_handover("exc_1", "990001010000018", CHECKLIST, FLAWLESS, [])
    assert result == {"outcome": "completed"}


# --- against a real HTTP server on loopback ------------------------------------------------------------


class Recorded:
    """What the server saw, and the answers it gives in turn (the last one from then on)."""

    def __init__(self, answers: list[tuple[int, dict[str, str], dict]]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Recorded]]:
    recorded = Recorded([(200, {}, {})])

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            recorded.requests.append((self.command, self.path, body, {k.lower(): v for k, v in self.headers.items()}))
            status, headers, payload = recorded.answers[min(len(recorded.requests), len(recorded.answers)) - 1]
            content = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {"content-type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", recorded
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_over_a_real_connection_a_503_is_retried_re_signed_under_the_same_key(server) -> None:
    base_url, recorded = server
    recorded.answers = [(503, {"content-type": PROBLEM, "retry-after": "2"}, {"code": "upstream_unavailable"}), (201, {}, {"id": "exc_1"})]
    fake = FakeTime()
    async with client(None, fake, base_url) as partner:
        assert await partner.accept_quote("qte 1/2") == {"id": "exc_1"}
    (first, path, body, headers), (_, again_path, again_body, again_headers) = recorded.requests
    assert first == "POST" and path == again_path == "/api/v1/quotes/qte%201%2F2/accept" and body == again_body == b""
    assert verify("POST", path, body, headers) + 2 == verify("POST", again_path, again_body, again_headers)  # after the 2 s wait
    assert headers["idempotency-key"] == again_headers["idempotency-key"]
    assert fake.slept == [2.0]


async def test_the_async_client_sends_what_the_sync_client_sends(server) -> None:
    base_url, recorded = server
    recorded.answers = [(201, {}, {"id": "qte_1"})]
    fake = FakeTime()
    async with client(None, fake, base_url) as partner:
        await partner.quote("acc-9", "990001010000018", FLAWLESS, model_id="redmi-9-4gb-64gb")
    with PartnerClient(base_url, KEY, SECRET, clock=fake.clock) as partner:
        partner.quote("acc-9", "990001010000018", FLAWLESS, model_id="redmi-9-4gb-64gb")
    (method, path, body, headers), (sync_method, sync_path, sync_body, sync_headers) = recorded.requests
    assert (method, path, body) == (sync_method, sync_path, sync_body)
    assert verify(method, path, body, headers) == verify(sync_method, sync_path, sync_body, sync_headers)
    assert headers["content-type"] == sync_headers["content-type"] == "application/json"


async def test_a_refused_connection_is_retried_and_then_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    fake = FakeTime()
    with pytest.raises(httpx.ConnectError):
        await client(None, fake, f"http://127.0.0.1:{closed_port}", retries=2).get("/api/v1/coupons/ABCD-EFGH")
    assert fake.slept == [0.2, 0.4]
