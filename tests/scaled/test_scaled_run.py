"""The scaled run through its gateway: replicas share the work, agree on what must be shared, and survive losing one.

Every answer carries `X-Served-By` twice — the service replica's and the gateway replica's name and
pid — so the tests can see which processes served them.
"""

import asyncio
import importlib
import os
import signal
import time
import uuid
from collections import defaultdict
from datetime import timedelta

import asyncpg
import httpx

from catalog.seed.__main__ import sample_imei
from eventing.testing import poll as poll_blocking
from launcher.testing import RunningScaledStack
from servicekit.clock import Clock
from smartupgrade_partner.signing import sign_request

helpers = importlib.import_module("tests.e2e.helpers")

FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}
PHONES = ["samsung-galaxy-a51-6gb-128gb", "vivo-v19-8gb-128gb", "oppo-a52-6gb-128gb", "realme-7-6gb-64gb"]
PLAN_PHONE = "redmi-note-9-pro-4gb-64gb"
RETRYABLE = {502, 503, 504}
SERVICES = ("catalog", "enrolment", "valuation", "coupon")


def served_by(response: httpx.Response) -> list[str]:
    """`name:pid` of each process that served a response (the service replica, then the gateway replica)."""
    return response.headers.get_list("x-served-by")


class Client:
    """What SPEC asks of a client: an Idempotency-Key on every POST, kept across retries; retries on 502/503/504,
    a dropped connection and 409 idempotency_key_in_flight (the first attempt is still held), with backoff."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.retries = 0
        self.labels: dict[str, set[str]] = defaultdict(set)

    def note(self, response: httpx.Response) -> httpx.Response:
        for label in served_by(response):
            self.labels[label.split(":")[0].rsplit("-", 2)[0] if "-api-" in label else "gateway"].add(label)
        return response

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self._send("GET", path, None, kwargs.pop("headers", {}), **kwargs)

    async def post(self, path: str, body: object, headers: dict | None = None, partner: str | None = None) -> httpx.Response:
        return await self._send("POST", path, body, {"Idempotency-Key": uuid.uuid4().hex, **(headers or {})}, partner=partner)

    async def _send(self, method: str, path: str, body: object, headers: dict, partner: str | None = None, **kwargs) -> httpx.Response:
        import json

        content = json.dumps(body).encode() if body is not None else None
        deadline = time.monotonic() + 90
        for attempt in range(1, 1000):
            sent = dict(headers)
            if partner is not None:
                key = helpers.PARTNERS[partner]
                # A signature is single use: each attempt is signed at another second.
                sent |= sign_request(key["key_id"], key["secret"], method, path, content or b"", now=time.time() + attempt - 1)
            if content is not None:
                sent["content-type"] = "application/json"
            try:
                response = self.note(await self.http.request(method, path, content=content, headers=sent, **kwargs))
            except httpx.TransportError:
                response = None
            if response is not None and not _worth_retrying(response):
                return response
            self.retries += 1
            assert time.monotonic() < deadline, f"{method} {path} still failing: {response.text if response is not None else 'no answer'}"
            await asyncio.sleep(min(1.0, 0.1 * attempt))
        raise AssertionError("unreachable")


def _worth_retrying(response: httpx.Response) -> bool:
    if response.status_code in RETRYABLE:
        return True
    return response.status_code == 409 and response.headers.get("content-type", "").startswith("application/problem") and (
        response.json().get("code") == "idempotency_key_in_flight"
    )


def new_http(scaled: RunningScaledStack, **kwargs) -> httpx.AsyncClient:
    # No kept-alive connections: each request is a new connection, which the kernel gives to either gateway replica.
    return httpx.AsyncClient(base_url=scaled.gateway_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0), **kwargs)


async def poll(check, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, f"not within {timeout}s"
        await asyncio.sleep(interval)
    return result


async def trade_in(client: Client, account: str, imei: str) -> dict:
    """Quote and accept: returns the exchange."""
    quote = await client.post("/api/v1/quotes", {"imei": imei, "condition": FLAWLESS}, helpers.bearer(account))
    assert quote.status_code == 201, quote.text
    accepted = await client.post(f"/api/v1/quotes/{quote.json()['id']}/accept", None, helpers.bearer(account))
    assert accepted.status_code == 201, accepted.text
    return accepted.json()


async def coupons_of(client: Client, account: str) -> list[dict]:
    response = await client.get("/api/v1/me/coupons", headers=helpers.bearer(account))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def sell_plan(client: Client, run: str, n: int) -> tuple[str, str, str]:
    """A retailer sells a Smart Upgrade plan; returns the account, the IMEI and the plan id."""
    account, imei = f"acc-{run}-plan-{n}", sample_imei(PLAN_PHONE, 5000 + n)
    sale = {
        "imei": imei, "model_id": PLAN_PHONE, "invoice_number": f"INV-{run}-{n}", "invoice_date": (Clock().today() - timedelta(days=1)).isoformat(),
        "account_id": account, "customer_phone": "+919800000001",
    }
    sold = await client.post("/api/v1/plans", sale, partner="retailer")
    assert sold.status_code == 201, sold.text
    return account, imei, sold.json()["id"]


async def trade_in_and_spend(client: Client, run: str, n: int, account: str, imei: str, plan_id: str) -> None:
    """The plan's owner trades the phone in → coupon credited → spent at checkout → the exchange awaits handover."""
    exchange = await trade_in(client, account, imei)
    assert exchange["plan_id"] == plan_id
    coupon = (await poll(lambda: coupons_of(client, account)))[0]
    assert coupon["amount_paise"] == exchange["amount_paise"]
    order = {"account_id": account, "order_id": f"ord-{run}-{n}", "lines": [{"line_id": "1", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1}]}
    redeemed = await client.post(f"/api/v1/coupons/{coupon['code']}/redemptions", order, partner="checkout")
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["discount_paise"] == coupon["amount_paise"]

    async def awaiting_handover() -> bool:
        seen = await client.get(f"/api/v1/exchanges/{exchange['id']}", headers=helpers.bearer(account))
        return seen.json().get("status") == "awaiting_handover"

    await poll(awaiting_handover)


async def test_plan_quote_accept_coupon_redeem_with_requests_served_by_every_replica(scaled) -> None:
    run = uuid.uuid4().hex[:6]
    async with new_http(scaled) as http:
        client = Client(http)
        plans = await asyncio.gather(*(sell_plan(client, run, n) for n in range(4)))
        await scaled.wait_until_settled(60)  # valuation has the plans (PlanPurchased) before their phones are quoted
        await asyncio.gather(*(trade_in_and_spend(client, run, n, *plan) for n, plan in enumerate(plans)))
        # The journeys' requests alone may not have reached every replica: reads side by side until they have.
        reads = {
            "catalog": ("/api/v1/catalog/models/mi-10-8gb-128gb", {}),
            "enrolment": (f"/api/v1/plans/preview?model_id={PLAN_PHONE}&purchase_date={Clock().today().isoformat()}", {}),
            "valuation": ("/api/v1/me/exchanges", helpers.bearer(f"acc-{run}-plan-0")),
            "coupon": ("/api/v1/me/coupons", helpers.bearer(f"acc-{run}-plan-0")),
        }
        deadline = time.monotonic() + 30
        while any(len(client.labels[name]) < 2 for name in (*SERVICES, "gateway")):
            assert time.monotonic() < deadline, f"not every replica answered: {dict(client.labels)}"
            await asyncio.gather(*(client.get(path, headers=headers) for path, headers in reads.values() for _ in range(4)))
    state = scaled.state()
    for name in SERVICES:
        assert client.labels[name] == {f"{name}-api-{i}:{state[f'{name}-api-{i}']['pid']}" for i in (1, 2)}
    assert client.labels["gateway"] == {f"gateway-{i}:{state[f'gateway-{i}']['pid']}" for i in (1, 2)}


async def test_a_partner_signature_used_on_one_gateway_replica_is_refused_by_the_other(scaled) -> None:
    retailer = helpers.PARTNERS["retailer"]  # (the logistics partner's bucket is left whole for the rate-limit test)
    async with new_http(scaled) as http:
        path = f"/api/v1/catalog/models?replay={uuid.uuid4().hex}"
        signed = sign_request(retailer["key_id"], retailer["secret"], "GET", path)
        first = await http.get(path, headers=signed)
        assert first.status_code == 200
        first_gateway = served_by(first)[-1]
        for _ in range(50):  # the same signed request again until the other gateway replica is the one that gets it
            replay = await http.get(path, headers=signed)
            assert replay.status_code == 401, replay.text
            if served_by(replay)[-1] != first_gateway:
                return
        raise AssertionError("the replay never reached the other gateway replica")


async def test_a_rate_limit_is_one_limit_across_gateway_replicas(scaled) -> None:
    logistics = helpers.PARTNERS["logistics"]
    async with new_http(scaled) as http:
        answers = []
        for i in range(50):  # RATE_PARTNER 0.5/s, burst 20: one bucket for both replicas lets ~20 through, not ~40
            path = f"/api/v1/catalog/models?limit-probe={i}"
            answers.append(await http.get(path, headers=sign_request(logistics["key_id"], logistics["secret"], "GET", path)))
    allowed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(allowed) + len(refused) == 50
    assert 20 <= len(allowed) <= 24, [a.status_code for a in answers]
    assert len({served_by(a)[-1] for a in refused}) == 2  # both replicas refused: each saw the shared bucket empty


async def test_a_price_change_through_one_catalog_replica_is_served_by_every_replica_within_a_second(scaled) -> None:
    model = "/api/v1/catalog/models/redmi-9-prime-4gb-64gb"
    async with new_http(scaled) as http:
        before = (await http.get(model)).json()["srp_paise"]
        body = {"effective_from": Clock().today().isoformat(), "srp_paise": before + 700}
        changed = await http.post(f"{model}/prices", json=body, headers=helpers.bearer("ops-scaled", "ops"))
        assert changed.status_code == 201, changed.text
        writer, changed_at = served_by(changed)[0], time.monotonic()
        reads: list[tuple[float, str, int]] = []

        async def read() -> None:
            sent = time.monotonic() - changed_at
            response = await http.get(model)
            reads.append((sent, served_by(response)[0].split(":")[0], response.json()["srp_paise"]))

        while time.monotonic() - changed_at < 1.5:
            await asyncio.gather(*(read() for _ in range(6)))
    stale = [(round(sent, 3), replica) for sent, replica, srp in reads if srp == before]
    assert all(sent < 1.0 for sent, _ in stale), f"old price served after 1 s: {stale} (written through {writer})"
    assert {replica for sent, replica, srp in reads if sent >= 1.0} == {"catalog-api-1", "catalog-api-2"}
    print(f"price written through {writer}; last old price served {max((s for s, _ in stale), default=0):.3f}s after the write")


async def test_sigterm_to_api_replicas_under_load_drains_them_without_a_failed_request(scaled) -> None:
    run = uuid.uuid4().hex[:6]
    victims = ["valuation-api-2", "catalog-api-1"]
    old = {name: scaled.pid(name) for name in victims}
    failures: list[str] = []
    before_sigterm: list[str] = []
    after_sigterm: list[str] = []
    sigterm_at: float | None = None
    stop = asyncio.Event()

    async def load(http: httpx.AsyncClient, n: int) -> int:
        done = 0
        while not stop.is_set():
            account = f"acc-{run}-drain-{n}"
            for method, path, kwargs in (
                ("GET", "/api/v1/catalog/models/mi-10t-6gb-128gb", {}),
                ("GET", "/api/v1/me/exchanges", {"headers": helpers.bearer(account)}),
                ("POST", "/api/v1/quotes", {"json": {"imei": sample_imei(PHONES[n % 4], 20000 + n * 1000 + done), "condition": FLAWLESS},
                                            "headers": helpers.bearer(account) | {"Idempotency-Key": uuid.uuid4().hex}}),
            ):
                try:
                    response = await http.request(method, path, **kwargs)
                except httpx.TransportError as exc:
                    failures.append(f"{method} {path}: {exc!r}")
                    continue
                if response.status_code not in (200, 201):
                    failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
                (after_sigterm if sigterm_at is not None else before_sigterm).extend(served_by(response))
                done += 1
        return done

    async with httpx.AsyncClient(base_url=scaled.gateway_url, timeout=30) as http:  # kept-alive connections, as a browser or app would
        workers = [asyncio.create_task(load(http, n)) for n in range(8)]
        victims_busy = {f"{name}:{old[name]}" for name in victims}

        async def load_reaches_the_victims() -> bool:
            # Side-by-side reads make the gateways open more connections, which the kernel spreads over the replicas.
            bursts = [http.get(path, headers=bearer) for path, bearer in (
                ("/api/v1/catalog/models/mi-10t-6gb-128gb", {}), ("/api/v1/me/exchanges", helpers.bearer(f"acc-{run}-drain-0")),
            ) for _ in range(6)]
            before_sigterm.extend(label for response in await asyncio.gather(*bursts) for label in served_by(response))
            return victims_busy <= set(before_sigterm)

        await poll(load_reaches_the_victims)
        sigterm_at = time.monotonic()
        # Quotes queued on both valuation replicas as the signal lands: the load alone may leave the victim none in
        # flight at that instant now that a quote takes milliseconds. Forty-eight at once make the gateways open new
        # connections, which the kernel spreads over both replicas (each from its own customer, inside the limits).
        burst = [asyncio.create_task(http.post("/api/v1/quotes", json={"imei": sample_imei(PHONES[i % 4], 90000 + i), "condition": FLAWLESS},
                                               headers=helpers.bearer(f"acc-{run}-burst-{i}") | {"Idempotency-Key": uuid.uuid4().hex}))
                 for i in range(48)]
        await asyncio.sleep(0.01)  # sent, not yet answered
        for name in victims:
            os.kill(old[name], signal.SIGTERM)
        for response in await asyncio.gather(*burst, return_exceptions=True):
            if not isinstance(response, httpx.Response) or response.status_code != 201:
                failures.append(f"POST /api/v1/quotes in flight at SIGTERM: {response!r}")
                continue
            after_sigterm.extend(served_by(response))
        await asyncio.to_thread(lambda: poll_blocking(lambda: all(scaled.state()[n]["pid"] not in (None, old[n]) for n in victims), 60))
        await asyncio.to_thread(scaled.wait_until_serving)
        stop.set()
        served = sum(await asyncio.gather(*workers))
    assert failures == [], failures[:10]
    log = scaled.log_text()
    for name in victims:
        assert f"{name} (pid {old[name]}) ended on SIGTERM" in log  # uvicorn's graceful exit, then the supervisor started a new one
    # The valuation victim had quotes of the burst queued when SIGTERM came: their answers still came from it.
    assert f"valuation-api-2:{old['valuation-api-2']}" in after_sigterm, "its requests in flight were not answered by it"
    print(f"{served} requests, none failed, while {', '.join(victims)} drained and were replaced")


async def test_300_exchanges_while_a_valuation_replica_and_a_coupon_worker_are_killed_give_300_coupons_exactly(scaled) -> None:
    run = uuid.uuid4().hex[:6]
    total, concurrency = 300, 12
    victims = ["valuation-api-1", "coupon-worker-1"]
    old = {name: scaled.pid(name) for name in victims}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    exchanges: dict[str, dict] = {}
    accepted_count = asyncio.Event()

    async def worker(client: Client) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            account = f"acc-{run}-{i}"
            exchanges[account] = await trade_in(client, account, sample_imei(PHONES[i % 4], 100000 + i))
            if len(exchanges) == total // 3:
                accepted_count.set()

    started = time.monotonic()
    async with new_http(scaled) as http:
        client = Client(http)
        tasks = [asyncio.create_task(worker(client)) for _ in range(concurrency)]
        await asyncio.wait_for(accepted_count.wait(), 120)
        for name in victims:
            os.kill(old[name], signal.SIGKILL)
        killed_at = len(exchanges)
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        assert len(exchanges) == total and len({e["id"] for e in exchanges.values()}) == total
        await asyncio.to_thread(lambda: poll_blocking(lambda: all(scaled.state()[n]["restarts"] >= 1 and scaled.state()[n]["pid"] != old[n] for n in victims), 60))
        await scaled.wait_until_settled(120)  # nothing left to publish or consume: a duplicate would have happened by now

        coupons = await _coupons(scaled, run)
        assert len(coupons) == total, f"{len(coupons)} coupons for {total} exchanges"
        assert {row["exchange_id"] for row in coupons} == {e["id"] for e in exchanges.values()}
        assert {row["account_id"]: row["exchange_id"] for row in coupons} == {account: e["id"] for account, e in exchanges.items()}
        issued = await _ledger_issued(scaled, [row["id"] for row in coupons])
        assert issued == total  # one "issued" entry each: no coupon was minted twice and rolled back into a second entry
        sample = list(exchanges)[:: total // 20]
        seen = await asyncio.gather(*(coupons_of(client, account) for account in sample))
        assert all(len(items) == 1 and items[0]["status"] == "active" for items in seen)
    log = scaled.log_text()
    assert all(f"{name} (pid {old[name]}) was killed by SIGKILL" in log for name in victims)
    print(f"{total} exchanges in {elapsed:.1f}s ({total / elapsed:.1f}/s), victims killed after {killed_at}; {client.retries} client retries")


async def _coupons(scaled: RunningScaledStack, run: str) -> list:
    connection = await asyncpg.connect(scaled.database_url("coupon"))
    try:
        return list(await connection.fetch("SELECT id, exchange_id, account_id FROM coupons WHERE account_id LIKE $1", f"acc-{run}-%"))
    finally:
        await connection.close()


async def _ledger_issued(scaled: RunningScaledStack, coupon_ids: list[str]) -> int:
    connection = await asyncpg.connect(scaled.database_url("coupon"))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM coupon_ledger WHERE coupon_id = ANY($1::text[]) AND type = 'issued'", coupon_ids))
    finally:
        await connection.close()
