"""The HTTP pricing adapter against a real Cashify-style partner server on 127.0.0.1 that the test starts."""

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from eventing.testing import free_port
from servicekit.clock import FixedClock
from servicekit.testing import service_client
from valuation.pricing import PricingUnavailable
from valuation.pricing.breaker import CircuitBreaker
from valuation.pricing.memory import InMemoryPrices
from valuation.pricing.partner import PartnerPricing

MODEL = "redmi-note-9-4gb-64gb"


class Partner:
    """A scripted partner: each request takes the next behaviour (the last one repeats)."""

    def __init__(self) -> None:
        self.script: list[str] = ["ok"]
        self.requests: list[Request] = []

    async def price(self, request: Request) -> Response:
        self.requests.append(request)
        behaviour = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        model_id = request.path_params["model_id"]
        if behaviour == "slow":
            await asyncio.sleep(1.0)
        if behaviour == "fail":
            return JSONResponse({"error": "internal"}, status_code=503)
        if behaviour == "malformed":
            return PlainTextResponse("<html>maintenance</html>")
        if behaviour == "wrong_shape":
            return JSONResponse({"model_id": model_id, "price_paise": "eight thousand"})
        if behaviour == "unknown":
            return JSONResponse({"error": "not_priced"}, status_code=404)
        return JSONResponse({"model_id": model_id, "price_paise": 812_300, "currency": "INR", "as_of": "2021-03-01T06:00:00Z"})


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Partner, str]]:
    partner = Partner()
    port = free_port()
    app = Starlette(routes=[Route("/v1/prices/{model_id}", partner.price)])
    uvi = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uvi.run, daemon=True)
    thread.start()
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while not uvi.started and datetime.now(UTC) < deadline:
        threading.Event().wait(0.02)
    yield partner, f"http://127.0.0.1:{port}"
    uvi.should_exit = True
    thread.join(10)


class Ticks:
    """A monotonic clock the test moves by hand, for the breaker."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def partner(server):
    scripted, _ = server
    scripted.script, scripted.requests = ["ok"], []
    return scripted


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2021, 3, 1, 6, 30, tzinfo=UTC))


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
async def adapter(server, clock, ticks):
    _, url = server
    pricing = PartnerPricing(
        url, "test-key", InMemoryPrices(), clock, CircuitBreaker(3, 30.0, ticks), timeout_seconds=0.3, max_attempts=3, backoff_seconds=0.01
    )
    yield pricing
    await pricing.close()


async def test_a_price_from_the_partner_is_used_and_remembered(partner, adapter, clock):
    assert await adapter.market_price(MODEL) == 812_300
    assert partner.requests[0].headers["authorization"] == "Bearer test-key"
    assert await adapter.memory.recall(MODEL) == (812_300, clock.now())


async def test_a_slow_partner_times_out_after_bounded_attempts(partner, adapter):
    partner.script = ["slow"]
    started = asyncio.get_running_loop().time()
    with pytest.raises(PricingUnavailable):
        await adapter.market_price(MODEL)
    assert len(partner.requests) == 3
    assert asyncio.get_running_loop().time() - started < 2.0


async def test_a_5xx_is_retried_with_backoff_until_the_partner_answers(partner, adapter):
    partner.script = ["fail", "fail", "ok"]
    assert await adapter.market_price(MODEL) == 812_300
    assert len(partner.requests) == 3


async def test_a_5xx_on_every_attempt_is_unavailable(partner, adapter):
    partner.script = ["fail"]
    with pytest.raises(PricingUnavailable):
        await adapter.market_price(MODEL)
    assert len(partner.requests) == 3


@pytest.mark.parametrize("behaviour", ["malformed", "wrong_shape"])
async def test_a_malformed_answer_is_never_taken_as_a_price_nor_retried(partner, adapter, behaviour):
    partner.script = [behaviour]
    with pytest.raises(PricingUnavailable):
        await adapter.market_price(MODEL)
    assert len(partner.requests) == 1


async def test_a_model_the_partner_does_not_price_is_unavailable_without_tripping_the_breaker(partner, adapter):
    partner.script = ["unknown"]
    for _ in range(4):
        with pytest.raises(PricingUnavailable):
            await adapter.market_price(MODEL)
    assert adapter.breaker.state == "closed" and len(partner.requests) == 4


async def test_the_circuit_opens_after_repeated_failures_and_lets_one_call_try_after_the_pause(partner, adapter, ticks):
    partner.script = ["malformed"]
    for _ in range(3):
        with pytest.raises(PricingUnavailable):
            await adapter.market_price(MODEL)
    assert adapter.breaker.state == "open"
    partner.script, calls = ["ok"], len(partner.requests)
    with pytest.raises(PricingUnavailable):
        await adapter.market_price(MODEL)
    assert len(partner.requests) == calls  # the open circuit did not call the partner
    ticks.now += 30.0
    assert await adapter.market_price(MODEL) == 812_300
    assert adapter.breaker.state == "closed"


async def test_half_open_sends_the_partner_one_trial_call_however_many_quotes_arrive_meanwhile(partner, adapter, ticks):
    partner.script = ["malformed"]
    for _ in range(3):
        with pytest.raises(PricingUnavailable):
            await adapter.market_price(MODEL)
    ticks.now += 30.0
    partner.script, calls = ["ok"], len(partner.requests)
    results = await asyncio.gather(*(adapter.market_price(MODEL) for _ in range(10)), return_exceptions=True)
    assert len(partner.requests) == calls + 1
    assert results.count(812_300) == 1 and sum(isinstance(r, PricingUnavailable) for r in results) == 9
    assert adapter.breaker.state == "closed"


async def test_a_price_fetched_within_24_hours_stands_in_while_the_partner_is_down(partner, adapter, clock):
    assert await adapter.market_price(MODEL) == 812_300
    clock.advance(timedelta(hours=23, minutes=59))
    partner.script = ["fail"]
    assert await adapter.market_price(MODEL) == 812_300


async def test_a_price_older_than_24_hours_is_not_used(partner, adapter, clock):
    assert await adapter.market_price(MODEL) == 812_300
    clock.advance(timedelta(hours=24, seconds=1))
    partner.script = ["fail"]
    with pytest.raises(PricingUnavailable):
        await adapter.market_price(MODEL)


async def test_an_open_circuit_still_serves_a_fresh_last_known_price(partner, adapter, clock):
    assert await adapter.market_price(MODEL) == 812_300
    partner.script = ["malformed"]
    for _ in range(3):
        assert await adapter.market_price(MODEL) == 812_300
    assert adapter.breaker.state == "open"


async def test_the_service_quotes_through_the_partner_and_answers_503_when_it_cannot(partner, server, database_url):

    from valuation.config import Settings
    from valuation.main import create_app
    from valuation.testing import FLAWLESS, NOON_IN_INDIA, Service, customer, imei, model_upserted

    settings = Settings(database_url=database_url, run_workers=False, pricing="http", partner_url=server[1], partner_backoff_seconds=0.01)
    app = create_app(settings, FixedClock(NOON_IN_INDIA))
    async with app.router.lifespan_context(app), service_client(app, "http://v") as http:
        service = Service(app, http, app.state.clock)
        await service.deliver(model_upserted(MODEL))
        quote = await http.post("/api/v1/quotes", json={"imei": imei(1), "condition": FLAWLESS}, headers=customer("acc-1"))
        assert quote.status_code == 201 and quote.json()["market_price_paise"] == 812_300
        partner.script = ["fail"]
        await service.deliver(model_upserted("mi-10-8gb-128gb", "35000009"))
        refused = await http.post("/api/v1/quotes", json={"imei": imei(1, "35000009"), "condition": FLAWLESS}, headers=customer("acc-1"))
        assert (refused.status_code, refused.json()["code"]) == (503, "pricing_unavailable")
        again = await http.post("/api/v1/quotes", json={"imei": imei(2), "condition": FLAWLESS}, headers=customer("acc-1"))
        assert again.status_code == 201  # the first model's price, fetched a moment ago, stands in
