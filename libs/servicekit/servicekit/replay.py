"""Accepting a one-time value once: partner signatures at the gateway, forwarded identities at services.

In memory for one process, or in Redis when replicas must agree (a value used on one replica is
refused on every other).
"""

import time
from collections import OrderedDict


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
        import redis.asyncio as redis

        self.redis = redis.from_url(url)
        self.remember = remember_seconds
        self.prefix = prefix

    async def first_use(self, value: str) -> bool:
        return bool(await self.redis.set(self.prefix + value, b"1", nx=True, ex=self.remember))

    async def close(self) -> None:
        await self.redis.aclose()


def replay_guard(redis_url: str | None, remember_seconds: int, prefix: str) -> MemoryReplayGuard | RedisReplayGuard:
    return RedisReplayGuard(redis_url, remember_seconds, prefix) if redis_url else MemoryReplayGuard(remember_seconds)
