"""Redis as the state replicas share: one way to connect, and one rule for the moments it is away.

Redis sits on the request path (rate limits, replay checks), so it must never make a request wait
long: each command has a short timeout, and after a failure nobody asks Redis again for a second
(`Outage`), so a dead or unreachable Redis costs one timeout per second per process, not one per
request. What a caller does meanwhile is its own decision: the gateway's rate limits fall back to
per-process buckets, every replay check refuses (docs/deploy.md, "When Redis is away").
"""

import logging
import time

log = logging.getLogger("servicekit.sharedstate")

TIMEOUT_SECONDS = 0.5
PAUSE_SECONDS = 1.0


class SharedStateUnavailable(Exception):
    """Redis could not be asked; the caller must not act as if it had answered."""


def redis_client(url: str):
    """An asyncio Redis client whose connects and commands give up after TIMEOUT_SECONDS."""
    import redis.asyncio as redis

    return redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)


def redis_errors() -> tuple[type[BaseException], ...]:
    """What a Redis call raises when Redis is away (refused, reset, timed out)."""
    from redis.exceptions import RedisError

    return (RedisError, OSError, TimeoutError)


class Outage:
    """Remembers that Redis just failed, so callers skip it for `pause` seconds; logs each change once."""

    def __init__(self, what: str, pause: float = PAUSE_SECONDS) -> None:
        self.what = what
        self.pause = pause
        self._until = 0.0
        self._down = False

    def active(self) -> bool:
        return time.monotonic() < self._until

    def failed(self, error: BaseException) -> None:
        if not self._down:
            log.warning("redis unavailable for %s", self.what, extra={"error": repr(error)})
        self._down = True
        self._until = time.monotonic() + self.pause

    def succeeded(self) -> None:
        if self._down:
            log.info("redis available again for %s", self.what)
        self._down = False
