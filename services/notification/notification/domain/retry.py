"""When to try a webhook delivery again: which answers are worth a retry, exponential backoff with jitter, Retry-After.

Timeouts, connection failures, 5xx, 408 and 429 are retried; any other answer outside 2xx (a 4xx the
receiver means, a redirect we do not follow) fails the delivery at once, since sending it again would
get the same answer. Retries stop once the next one would fall past the retry window (24 h).
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Outcome:
    """One attempt: the receiver's status code (None when no answer came) and what went wrong."""

    status_code: int | None
    error: str | None = None
    retry_after: str | None = None
    # Refused before sending (the host resolves into this network): another try gets the same answer.
    permanent: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        code = self.status_code
        return not self.permanent and (code is None or code >= 500 or code in (408, 429))

    def describe(self) -> str:
        return self.error or f"HTTP {self.status_code}"


@dataclass(frozen=True)
class Backoff:
    first_seconds: float
    cap_seconds: float
    window_seconds: float

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """After the `attempts`-th failure: first·2^(n-1), capped, with jitter drawn from its upper half."""
        ceiling = min(self.cap_seconds, self.first_seconds * 2 ** max(attempts - 1, 0))
        return (rng or random).uniform(ceiling / 2, ceiling)

    def next_attempt(self, outcome: Outcome, attempts: int, created_at: datetime, now: datetime) -> datetime | None:
        """When to try again, or None: not worth it, or past the window."""
        if not outcome.retryable:
            return None
        wait = self.delay(attempts)
        asked = retry_after_seconds(outcome.retry_after, now)
        if asked is not None:
            wait = max(asked, 0.0)  # the receiver said when; honoured up to the window
        at = now + timedelta(seconds=wait)
        return at if at <= created_at + timedelta(seconds=self.window_seconds) else None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()
