"""A circuit breaker: after N failed calls in a row, stop calling for a while, then let one call try."""

import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(self, failures_to_open: int, reset_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.failures_to_open = failures_to_open
        self.reset_seconds = reset_seconds
        self.monotonic = monotonic
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self.monotonic() - self.opened_at >= self.reset_seconds else "open"

    def allows_call(self) -> bool:
        """Closed, or open long enough that one trial call may go (half-open)."""
        return self.state != "open"

    def succeeded(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failed(self) -> None:
        self.failures += 1
        if self.opened_at is not None or self.failures >= self.failures_to_open:
            # A failed trial call in half-open re-opens at once, for another full pause.
            self.opened_at = self.monotonic()
