"""`PartnerClient`: the partner operations over a synchronous httpx client (signing and retries: policy.py)."""

import time
from collections.abc import Callable
from typing import Any

import httpx

from smartupgrade_partner.operations import Call, Checklist, Condition, OrderLine, PartnerOperations
from smartupgrade_partner.policy import PartnerApiError, RetryPolicy, Signer, decoded

__all__ = ["Checklist", "Condition", "OrderLine", "PartnerApiError", "PartnerClient"]


class PartnerClient(PartnerOperations[dict[str, Any]]):
    """One partner credential against one gateway: `PartnerClient("http://127.0.0.1:8000", key_id, secret)`."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float = 10,
        retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.2,
        max_retry_after: float = 30.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key_id = key_id
        self.retries, self.backoff, self.max_retry_after = retries, backoff, max_retry_after
        self._clock, self._sleep = clock, sleep
        self._signer = Signer(key_id, secret, clock)
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "PartnerClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, call: Call) -> dict[str, Any]:
        policy = RetryPolicy(self.retries, self.backoff, self.max_retry_after, self._clock)
        return decoded(policy.retrying(self._sleep)(self._attempt, call))

    def _attempt(self, call: Call) -> httpx.Response:
        """One attempt, signed afresh."""
        request = self._http.build_request(call.method, call.path, content=call.content, headers=dict(call.headers), params=call.params)
        if wait := self._signer.sign(request):
            self._sleep(wait)
        return self._http.send(request)
