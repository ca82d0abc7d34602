"""Token-bucket rate limits per principal, in memory or shared through Redis across gateway replicas."""

import math
import time
from dataclasses import dataclass
from typing import Protocol

from servicekit.sharedstate import Outage, redis_client, redis_errors


@dataclass(frozen=True)
class Limit:
    """`rate` tokens per second refill a bucket holding at most `burst`."""

    rate: float
    burst: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: Limit
    remaining: int
    retry_after: float  # seconds until one token is back (0 when allowed)

    def headers(self) -> list[tuple[bytes, bytes]]:
        """RateLimit-* (IETF draft) and, when refused, Retry-After."""
        reset = math.ceil((self.limit.burst - self.remaining) / self.limit.rate) if self.limit.rate else 0
        headers = [
            (b"ratelimit-limit", str(self.limit.burst).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(reset).encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(max(1, math.ceil(self.retry_after))).encode()))
        return headers


class Limiter(Protocol):
    async def take(self, key: str, limit: Limit, cost: int = 1) -> Verdict:
        """Take `cost` tokens when at least one is there; cost 0 only asks whether one is."""
        ...

    async def close(self) -> None: ...


class MemoryLimiter:
    """One process's buckets; enough for a single gateway.

    Bounded: past `max_keys` it forgets the fullest buckets first. A full bucket is the same as no
    bucket, and the one holding back a client that is being limited is the emptiest, so a flood of
    made-up keys (each spends one token) cannot reset the bucket of someone who is being limited.
    """

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, tuple[float, float, Limit]] = {}
        self.max_keys = max_keys

    async def take(self, key: str, limit: Limit, cost: int = 1) -> Verdict:
        now = time.monotonic()
        tokens, updated, _ = self._buckets.get(key, (float(limit.burst), now, limit))
        tokens = min(float(limit.burst), tokens + (now - updated) * limit.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now, limit)
        if len(self._buckets) > self.max_keys:
            self._forget(now)
        return Verdict(allowed, limit, int(tokens), 0.0 if allowed else (1.0 - tokens) / limit.rate)

    def _forget(self, now: float) -> None:
        def fullness(item: tuple[str, tuple[float, float, Limit]]) -> float:
            tokens, updated, limit = item[1]
            return min(1.0, (tokens + (now - updated) * limit.rate) / limit.burst)

        keep = int(self.max_keys * 0.9)  # forget in batches, so the sort is paid once per many inserts
        self._buckets = dict(sorted(self._buckets.items(), key=fullness)[:keep])

    def __len__(self) -> int:
        return len(self._buckets)

    async def close(self) -> None:
        return None


# Atomic take on a bucket stored as a hash {tokens, ts}; time from Redis so replicas agree.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(bucket[1]) or burst
local ts = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {allowed, tostring(tokens)}
"""


class RedisLimiter:
    """Buckets in Redis, so every gateway replica enforces one shared limit."""

    def __init__(self, url: str, prefix: str = "gw:rl:") -> None:
        self.redis = redis_client(url)
        self.prefix = prefix
        self._take = self.redis.register_script(_TAKE)

    async def take(self, key: str, limit: Limit, cost: int = 1) -> Verdict:
        allowed, tokens_text = await self._take(keys=[self.prefix + key], args=[limit.rate, limit.burst, cost])
        tokens = float(tokens_text)
        return Verdict(bool(allowed), limit, int(tokens), 0.0 if allowed else (1.0 - tokens) / limit.rate)

    async def close(self) -> None:
        await self.redis.aclose()


class SharedLimiter:
    """Redis buckets shared by every replica, and this process's own buckets while Redis is away.

    Failing open to per-process buckets keeps the platform serving through a Redis outage; the cost
    is that a principal's limit is multiplied by the number of gateway replicas until Redis answers
    again (checked at most once a second, see servicekit.sharedstate).
    """

    def __init__(self, url: str, prefix: str, max_keys: int) -> None:
        self.shared = RedisLimiter(url, prefix)
        self.local = MemoryLimiter(max_keys)
        self.outage = Outage("rate limits")

    @property
    def redis(self):
        return self.shared.redis

    async def take(self, key: str, limit: Limit, cost: int = 1) -> Verdict:
        if not self.outage.active():
            try:
                verdict = await self.shared.take(key, limit, cost)
            except redis_errors() as exc:
                self.outage.failed(exc)
            else:
                self.outage.succeeded()
                return verdict
        return await self.local.take(key, limit, cost)

    async def close(self) -> None:
        await self.shared.close()
