"""The HTTP adapter for a Cashify-style pricing partner (contract in docs/valuation.md).

Each attempt has a timeout; timeouts, connection errors, 429 and 5xx are retried a bounded number of
times with exponential backoff; a malformed answer is not retried (asking again rarely mends it).
A call that fails after its attempts counts against the circuit breaker. While the partner cannot
answer, a price fetched within `last_known` is used; otherwise PricingUnavailable.
"""

import logging
from datetime import timedelta

import httpx
from prometheus_client import Gauge
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from servicekit.clock import Clock
from valuation.pricing import PricingUnavailable
from valuation.pricing.breaker import CircuitBreaker
from valuation.pricing.memory import PriceMemory

log = logging.getLogger("valuation.pricing.partner")

RETRYABLE_STATUS = {429, 500, 502, 503, 504}

# Read at each scrape, since an open circuit turns half-open by the clock, not by a call (alert: open a minute).
BREAKER_STATE = Gauge("pricing_partner_breaker_state", "Pricing partner circuit of this replica: 0 closed, 1 half-open, 2 open")
BREAKER_STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}


class PartnerFailed(Exception):
    def __init__(self, why: str, retryable: bool) -> None:
        super().__init__(why)
        self.retryable = retryable


class PartnerPricing:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        memory: PriceMemory,
        clock: Clock,
        breaker: CircuitBreaker,
        timeout_seconds: float = 2.0,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
        last_known: timedelta = timedelta(hours=24),
    ) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=httpx.Timeout(timeout_seconds), headers={"Authorization": f"Bearer {api_key}"}
        )
        self.memory = memory
        self.clock = clock
        self.breaker = breaker
        BREAKER_STATE.set_function(lambda: BREAKER_STATE_VALUES[breaker.state])
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.last_known = last_known

    async def market_price(self, model_id: str) -> int:
        if self.breaker.allows_call():
            try:
                price = await self._fetch_with_retries(model_id)
            except PartnerFailed as exc:
                log.warning("pricing partner failed", extra={"model_id": model_id, "error": str(exc)})
                self.breaker.failed()
            except LookupError as exc:
                self.breaker.succeeded()  # the partner answered; it just does not price this model
                raise PricingUnavailable(str(exc)) from exc
            except BaseException:
                self.breaker.abandoned()  # cancelled or unforeseen: no verdict on the partner
                raise
            else:
                self.breaker.succeeded()
                await self.memory.remember(model_id, price, self.clock.now())
                return price
        return await self._last_known(model_id)

    async def _last_known(self, model_id: str) -> int:
        remembered = await self.memory.recall(model_id)
        if remembered is not None and remembered[1] >= self.clock.now() - self.last_known:
            return remembered[0]
        raise PricingUnavailable("The pricing partner is unavailable and no recent price is known; try again later.")

    async def _fetch_with_retries(self, model_id: str) -> int:
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, PartnerFailed) and exc.retryable),
            stop=stop_after_attempt(self.max_attempts),
            # Exponential backoff with jitter, so replicas do not retry in step.
            wait=wait_random_exponential(multiplier=self.backoff_seconds, max=self.backoff_seconds * 2 ** self.max_attempts),
            reraise=True,
        )
        return await retrying(self._fetch, model_id)

    async def _fetch(self, model_id: str) -> int:
        try:
            response = await self.client.get(f"/v1/prices/{model_id}")
        except httpx.TimeoutException as exc:
            raise PartnerFailed(f"timeout: {exc!r}", retryable=True) from exc
        except httpx.TransportError as exc:
            raise PartnerFailed(f"transport: {exc!r}", retryable=True) from exc
        if response.status_code == 404:
            raise LookupError(f"The pricing partner does not price {model_id}.")
        if response.status_code != 200:
            raise PartnerFailed(f"status {response.status_code}", retryable=response.status_code in RETRYABLE_STATUS)
        return _price_from(response, model_id)

    async def close(self) -> None:
        await self.client.aclose()


def _price_from(response: httpx.Response, model_id: str) -> int:
    """The price in an answer, refusing anything that does not match the contract exactly."""
    try:
        body = response.json()
    except ValueError as exc:
        raise PartnerFailed("malformed: not JSON", retryable=False) from exc
    if not isinstance(body, dict):
        raise PartnerFailed("malformed: not an object", retryable=False)
    price = body.get("price_paise")
    if body.get("model_id") != model_id or type(price) is not int or price <= 0 or body.get("currency", "INR") != "INR":
        raise PartnerFailed(f"malformed: {str(body)[:200]}", retryable=False)
    return price
