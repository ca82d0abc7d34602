"""Refusing a partner signature seen before: in memory, or in Redis when replicas must agree."""

import time
from collections import OrderedDict


class MemoryReplayGuard:
    """Remembers signatures seen within the tolerance window, so each is accepted once."""

    def __init__(self, window_seconds: int) -> None:
        self.window = window_seconds
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_use(self, signature_hex: str) -> bool:
        now = time.time()
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if signature_hex in self._seen:
            return False
        # Kept until the signature could no longer pass the timestamp check anyway.
        self._seen[signature_hex] = now + 2 * self.window
        return True


class RedisReplayGuard:
    """Signatures seen by any gateway replica, kept in Redis for twice the tolerance window."""

    def __init__(self, url: str, window_seconds: int, prefix: str = "gw:") -> None:
        import redis.asyncio as redis

        self.redis = redis.from_url(url)
        self.window = window_seconds
        self.prefix = prefix + "sig:"

    async def first_use(self, signature_hex: str) -> bool:
        return bool(await self.redis.set(self.prefix + signature_hex, b"1", nx=True, ex=2 * self.window))
