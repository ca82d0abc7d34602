"""A circuit breaker: after N failed calls in a row, stop calling for a while, then let ONE call try.

One per process (per valuation replica), on purpose: it guards this replica's callers from waiting on a
partner that keeps failing, and it needs no shared store on the pricing path (a Redis breaker would
make quotes depend on Redis too). The cost of N replicas is bounded and small: a failing partner
sees at most N × `failures_to_open` calls before every replica has opened, then N trial calls per pause.
"""

import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(self, failures_to_open: int, reset_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.failures_to_open = failures_to_open
        self.reset_seconds = reset_seconds
        self.monotonic = monotonic
        self.failures = 0
        self.opened_at: float | None = None
        # When the one trial call of a half-open circuit was let through (None: no trial out).
        self._trial_since: float | None = None

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self.monotonic() - self.opened_at >= self.reset_seconds else "open"

    def allows_call(self) -> bool:
        """Closed: yes. Open: no. Half-open: yes to exactly one caller, whose outcome decides.

        A trial that never reports (its caller was cancelled) is given up after another pause, so a
        lost trial cannot hold the circuit open for ever.
        """
        state = self.state
        if state == "closed":
            return True
        if state == "open":
            return False
        now = self.monotonic()
        if self._trial_since is not None and now - self._trial_since < self.reset_seconds:
            return False
        self._trial_since = now
        return True

    def succeeded(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._trial_since = None

    def failed(self) -> None:
        self.failures += 1
        self._trial_since = None
        if self.opened_at is not None or self.failures >= self.failures_to_open:
            # A failed trial call in half-open re-opens at once, for another full pause.
            self.opened_at = self.monotonic()

    def abandoned(self) -> None:
        """The call it allowed ended without a verdict (cancelled): a trial may be let through again."""
        self._trial_since = None
