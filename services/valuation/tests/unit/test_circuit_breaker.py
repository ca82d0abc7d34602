"""The pricing partner's circuit breaker: opens after repeated failures, and when half-open lets exactly one call try."""

from valuation.pricing.breaker import CircuitBreaker


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def opened(ticks: Ticks) -> CircuitBreaker:
    breaker = CircuitBreaker(failures_to_open=3, reset_seconds=30.0, monotonic=ticks)
    for _ in range(3):
        assert breaker.allows_call()
        breaker.failed()
    return breaker


def test_a_closed_circuit_lets_every_caller_through() -> None:
    breaker = CircuitBreaker(3, 30.0, Ticks())
    assert all(breaker.allows_call() for _ in range(10))
    assert breaker.state == "closed"


def test_it_opens_after_the_failures_in_a_row_and_refuses_everyone_during_the_pause() -> None:
    ticks = Ticks()
    breaker = opened(ticks)
    assert breaker.state == "open"
    ticks.now = 29.9
    assert not any(breaker.allows_call() for _ in range(5))


def test_a_success_between_failures_starts_the_count_again() -> None:
    breaker = CircuitBreaker(3, 30.0, Ticks())
    breaker.failed()
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    breaker.failed()
    assert breaker.state == "closed"


def test_half_open_lets_one_trial_call_through_and_refuses_every_other_caller_meanwhile() -> None:
    ticks = Ticks()
    breaker = opened(ticks)
    ticks.now = 30.0
    callers = [breaker.allows_call() for _ in range(20)]
    assert callers.count(True) == 1 and callers[0] is True


def test_a_successful_trial_closes_the_circuit_for_everyone() -> None:
    ticks = Ticks()
    breaker = opened(ticks)
    ticks.now = 30.0
    assert breaker.allows_call()
    breaker.succeeded()
    assert breaker.state == "closed"
    assert all(breaker.allows_call() for _ in range(5))


def test_a_failed_trial_reopens_for_a_full_pause() -> None:
    ticks = Ticks()
    breaker = opened(ticks)
    ticks.now = 30.0
    assert breaker.allows_call()
    breaker.failed()
    assert breaker.state == "open"
    ticks.now = 59.9
    assert not breaker.allows_call()
    ticks.now = 60.0
    assert breaker.allows_call() and not breaker.allows_call()


def test_an_abandoned_trial_lets_the_next_caller_try() -> None:
    ticks = Ticks()
    breaker = opened(ticks)
    ticks.now = 30.0
    assert breaker.allows_call()
    breaker.abandoned()
    assert breaker.allows_call() and not breaker.allows_call()


def test_a_trial_that_never_reports_is_given_up_after_another_pause() -> None:
    ticks = Ticks()
    breaker = opened(ticks)
    ticks.now = 30.0
    assert breaker.allows_call()
    ticks.now = 59.0
    assert not breaker.allows_call()
    ticks.now = 60.0
    assert breaker.allows_call()
