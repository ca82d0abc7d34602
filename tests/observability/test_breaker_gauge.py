"""pricing_partner_breaker_state follows the valuation replica's circuit at each scrape: 0 closed,
2 open after the failures, 1 half-open once the pause has passed (by the clock, with no call made)."""

from prometheus_client import REGISTRY

from servicekit.clock import Clock
from valuation.pricing.breaker import CircuitBreaker
from valuation.pricing.memory import InMemoryPrices
from valuation.pricing.partner import PartnerPricing


def test_the_gauge_shows_closed_open_then_half_open() -> None:
    now = [1000.0]
    breaker = CircuitBreaker(failures_to_open=2, reset_seconds=30, monotonic=lambda: now[0])
    PartnerPricing("http://127.0.0.1:9", "key", InMemoryPrices(), Clock(), breaker)

    def scraped() -> float | None:
        return REGISTRY.get_sample_value("pricing_partner_breaker_state")

    assert scraped() == 0
    breaker.failed()
    breaker.failed()
    assert scraped() == 2
    now[0] += 31
    assert scraped() == 1
    breaker.succeeded()
    assert scraped() == 0
