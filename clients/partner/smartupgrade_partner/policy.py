"""What both clients decide alike: the second each attempt is signed at, which answers are retried and
after how long, and how an answer becomes a result or a `PartnerApiError`.

Every request is signed over the exact bytes sent and the path with query as sent. A signature is accepted
once, and two identical requests signed in the same second carry the same signature, so each attempt is
signed at a strictly later second than the last identical one. POSTs carry an Idempotency-Key that stays
the same across the retries of one call, which makes them safe to retry.
"""

import email.utils
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception_type, retry_if_result, stop_after_attempt

from smartupgrade_partner.signing import sign_request

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
MAX_SIGN_AHEAD_SECONDS = 60  # the gateway accepts 300 s of skew; never sign further ahead than this


class PartnerApiError(Exception):
    """A non-2xx answer. `code` is the problem+json code (SPEC §10), or None when the answer was not problem+json."""

    def __init__(self, status: int, code: str | None, detail: str, body: Any) -> None:
        super().__init__(f"{status} {code or 'error'}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.body = body


class Signer:
    """Signs one credential's requests, each at the current second or one past the last identical one's."""

    def __init__(self, key_id: str, secret: str, clock: Callable[[], float]) -> None:
        self.key_id, self._secret, self._clock = key_id, secret, clock
        self._last_signed: dict[tuple[str, str, bytes], int] = {}  # identical request -> last second it was signed at
        self._lock = threading.Lock()

    def sign(self, request: httpx.Request) -> float:
        """Put X-Api-Key and X-Signature on `request`; returns the seconds to wait before sending it (0 unless far ahead)."""
        path_with_query = request.url.raw_path.decode("ascii")
        key = (request.method, path_with_query, request.content)
        with self._lock:
            now = int(self._clock())
            timestamp = max(now, self._last_signed.get(key, now - 1) + 1)
            self._last_signed = {k: t for k, t in self._last_signed.items() if t >= now}
            self._last_signed[key] = timestamp
        request.headers.update(sign_request(self.key_id, self._secret, request.method, path_with_query, request.content, now=timestamp))
        return max(0, timestamp - now - MAX_SIGN_AHEAD_SECONDS)


@dataclass(frozen=True)
class RetryPolicy:
    """Connection errors, 429/502/503/504 and an in-flight keyed POST are retried `retries` times, backing off
    exponentially from `backoff` seconds, or as long as a Retry-After says (capped at `max_retry_after`)."""

    retries: int
    backoff: float
    max_retry_after: float
    clock: Callable[[], float]

    def retrying(self, sleep: Callable[[float], None]) -> Retrying:
        return Retrying(sleep=sleep, **self._arguments())

    def async_retrying(self, sleep: Callable[[float], Awaitable[None]]) -> AsyncRetrying:
        return AsyncRetrying(sleep=sleep, **self._arguments())

    def _arguments(self) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(self.retries + 1),
            "wait": self._delay,
            "retry": retry_if_exception_type(httpx.TransportError) | retry_if_result(retryable),
            # Out of attempts: the last answer is the result (decoded as any other), the last error is raised as is.
            "retry_error_callback": lambda state: state.outcome.result() if state.outcome else None,
        }

    def _delay(self, state: RetryCallState) -> float:
        delay = self.backoff * 2.0 ** (state.attempt_number - 1)
        outcome = state.outcome
        retry_after = outcome.result().headers.get("retry-after") if outcome and not outcome.failed else None
        if retry_after:
            delay = max(delay, min(_seconds(retry_after, self.clock()), self.max_retry_after))
        return delay


def retryable(response: httpx.Response) -> bool:
    if response.status_code in RETRYABLE_STATUSES:
        return True
    # The first attempt of this keyed POST is still running at the service: ask again shortly.
    return response.status_code == 409 and _problem_code(response) == "idempotency_key_in_flight"


def decoded(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; any other answer raises `PartnerApiError`."""
    if response.is_success:
        answer: dict[str, Any] = response.json()
        return answer
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict) and response.headers.get("content-type", "").startswith("application/problem+json"):
        raise PartnerApiError(response.status_code, body.get("code"), str(body.get("detail", "")), body)
    raise PartnerApiError(response.status_code, None, response.reason_phrase or "unexpected answer", body)


def _problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _seconds(retry_after: str, now: float) -> float:
    """Retry-After as delay-seconds or an HTTP date."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
    except (TypeError, ValueError):
        return 0.0
