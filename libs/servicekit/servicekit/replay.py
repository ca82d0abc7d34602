"""Accepting a one-time value once: partner signatures at the gateway, forwarded identities at services.

In memory for one process, or in Redis when replicas must agree (a value used on one replica is
refused on every other). When Redis cannot be asked, the check fails closed: `first_use` raises
SharedStateUnavailable (the caller answers 503), since accepting could accept a replay.
"""

import time
from collections import OrderedDict

from servicekit.sharedstate import Outage, SharedStateUnavailable, redis_client, redis_errors


class MemoryReplayGuard:
    """Remembers values seen within `remember_seconds`, so each is accepted once by this process."""

    def __init__(self, remember_seconds: int) -> None:
        self.remember = remember_seconds
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_use(self, value: str) -> bool:
        now = time.time()
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if value in self._seen:
            return False
        # Kept until the value could no longer pass its own expiry check anyway.
        self._seen[value] = now + self.remember
        return True

    async def close(self) -> None:
        return None


class RedisReplayGuard:
    """Values seen by any replica, kept in Redis for `remember_seconds` (SET NX is atomic)."""

    def __init__(self, url: str, remember_seconds: int, prefix: str) -> None:
        self.redis = redis_client(url)
        self.remember = remember_seconds
        self.prefix = prefix
        self.outage = Outage(f"replay checks ({prefix})")

    async def first_use(self, value: str) -> bool:
        if self.outage.active():
            raise SharedStateUnavailable("replay checks are unavailable: Redis did not answer a moment ago")
        try:
            first = bool(await self.redis.set(self.prefix + value, b"1", nx=True, ex=self.remember))
        except redis_errors() as exc:
            self.outage.failed(exc)
            raise SharedStateUnavailable("replay checks are unavailable: Redis does not answer") from exc
        self.outage.succeeded()
        return first

    async def close(self) -> None:
        await self.redis.aclose()


def replay_guard(redis_url: str | None, remember_seconds: int, prefix: str) -> MemoryReplayGuard | RedisReplayGuard:
    return RedisReplayGuard(redis_url, remember_seconds, prefix) if redis_url else MemoryReplayGuard(remember_seconds)
