"""`AsyncPartnerClient`: the partner operations over an `httpx.AsyncClient` (signing and retries: policy.py)."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from smartupgrade_partner.operations import Call, PartnerOperations
from smartupgrade_partner.policy import RetryPolicy, Signer, decoded


class AsyncPartnerClient(PartnerOperations[Awaitable[dict[str, Any]]]):
    """`async with AsyncPartnerClient(base_url, key_id, secret) as partner: await partner.quote(...)`."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float = 10,
        retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: float = 0.2,
        max_retry_after: float = 30.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.key_id = key_id
        self.retries, self.backoff, self.max_retry_after = retries, backoff, max_retry_after
        self._clock, self._sleep = clock, sleep
        self._signer = Signer(key_id, secret, clock)
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncPartnerClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send(self, call: Call) -> dict[str, Any]:
        policy = RetryPolicy(self.retries, self.backoff, self.max_retry_after, self._clock)
        return decoded(await policy.async_retrying(self._sleep)(self._attempt, call))

    async def _attempt(self, call: Call) -> httpx.Response:
        """One attempt, signed afresh."""
        request = self._http.build_request(call.method, call.path, content=call.content, headers=dict(call.headers), params=call.params)
        if wait := self._signer.sign(request):
            await self._sleep(wait)
        return await self._http.send(request)
