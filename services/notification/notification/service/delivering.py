"""The webhook delivery worker: claims due deliveries with a lease, posts them signed, records each attempt.

At least once, never lost: a delivery is leased in one short transaction, posted outside any
transaction, and its outcome recorded in another, only while the lease is still this worker's. A
worker that dies mid-post leaves the lease to run out; another then posts it again with the same
`webhook-id`, which the receiver dedupes on. Several workers (replicas) claim different rows.
"""

import asyncio
import ipaddress
import logging
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from notification.db import deliveries, endpoints
from notification.domain import signing
from notification.domain.records import FAILED, PENDING, SUCCEEDED, Delivery
from notification.domain.retry import Backoff, Outcome
from notification.domain.urls import is_internal_address
from notification.service.metrics import ENDPOINTS_DISABLED, WEBHOOK_ATTEMPTS, WEBHOOK_LATENCY
from notification.service.secrets import SecretBox
from servicekit.clock import Clock
from servicekit.db import Database

log = logging.getLogger("notification.delivery")

USER_AGENT = "SmartUpgrade-Webhooks/1.0"


class DeliveryWorker:
    def __init__(
        self, db: Database, box: SecretBox, clock: Clock, backoff: Backoff, *, timeout_seconds: float, disable_after: timedelta,
        poll_seconds: float, batch: int, check_addresses: bool,
    ) -> None:  # fmt: skip
        self.db, self.box, self.clock, self.backoff = db, box, clock, backoff
        self.timeout_seconds, self.disable_after, self.poll_seconds, self.batch = timeout_seconds, disable_after, poll_seconds, batch
        self.check_addresses = check_addresses
        # A lease outlives the longest attempt; a dead worker's deliveries are taken over after it.
        self.lease = timedelta(seconds=timeout_seconds + 30)

    async def run(self) -> None:
        # No proxy from the environment and no redirects: the request goes to the registered URL or nowhere.
        async with httpx.AsyncClient(timeout=self.timeout_seconds, follow_redirects=False, trust_env=False) as client:
            while True:
                if await self.deliver_due(client) < self.batch:
                    await asyncio.sleep(self.poll_seconds)

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Post every delivery due now (up to a batch) side by side; how many were claimed."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            claimed = await deliveries.claim_due(session, now, self.lease, self.batch)
            targets = {}
            for delivery, _ in claimed:
                if delivery.endpoint_id not in targets:
                    endpoint = await endpoints.get(session, delivery.endpoint_id)
                    assert endpoint is not None
                    current, previous = await endpoints.secrets_of(session, delivery.endpoint_id)
                    live = [self.box.open(current)] + [self.box.open(sealed) for sealed, until in previous if until > now]
                    targets[delivery.endpoint_id] = (endpoint.url, live)
        await asyncio.gather(*(self.attempt(client, delivery, token, *targets[delivery.endpoint_id]) for delivery, token in claimed))
        return len(claimed)

    async def attempt(self, client: httpx.AsyncClient, delivery: Delivery, token: str, url: str, secrets: list[str]) -> None:
        body = delivery.payload.encode()
        # Wall time, not the injectable clock: the receiver checks it against its own (5 min) to refuse replays.
        stamp = int(time.time())
        headers = signing.headers(secrets, delivery.id, stamp, body) | {"content-type": "application/cloudevents+json", "user-agent": USER_AGENT}
        started = time.monotonic()
        outcome = await self._post(client, url, headers, body)
        elapsed = time.monotonic() - started
        WEBHOOK_LATENCY.observe(elapsed)
        await self.record(delivery, token, outcome, int(elapsed * 1000))

    async def _post(self, client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes) -> Outcome:
        if self.check_addresses and (refusal := await _internal_host(url)):
            return Outcome(None, refusal, permanent=True)
        try:
            # Streamed and closed unread: only the status and Retry-After matter, and a receiver's
            # answer, however large, never fills our memory or reaches anyone.
            async with client.stream("POST", url, content=body, headers=headers) as response:
                return Outcome(response.status_code, None, response.headers.get("retry-after"))
        except httpx.TimeoutException:
            return Outcome(None, f"timed out after {self.timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            return Outcome(None, f"could not connect: {type(exc).__name__}")

    async def record(self, delivery: Delivery, token: str, outcome: Outcome, latency_ms: int) -> None:
        now = self.clock.now()
        attempts = delivery.attempts + 1
        async with self.db.transaction() as session:
            if outcome.succeeded:
                if await deliveries.finish(session, delivery.id, token, status=SUCCEEDED, next_attempt_at=None, status_code=outcome.status_code,
                                           error=None, latency_ms=latency_ms, at=now):  # fmt: skip
                    await endpoints.note_success(session, delivery.endpoint_id)
                    WEBHOOK_ATTEMPTS.labels("succeeded").inc()
                return
            next_at = self.backoff.next_attempt(outcome, attempts, delivery.created_at, now)
            error = outcome.describe() if next_at else f"gave up after {attempts} attempts: {outcome.describe()}"
            status = PENDING if next_at else FAILED
            if not await deliveries.finish(session, delivery.id, token, status=status, next_attempt_at=next_at, status_code=outcome.status_code,
                                           error=error, latency_ms=latency_ms, at=now):  # fmt: skip
                return
            WEBHOOK_ATTEMPTS.labels("retrying" if status == PENDING else "failed").inc()
            since = await endpoints.note_failure(session, delivery.endpoint_id, now)
            if now - since >= self.disable_after:
                reason = f"every delivery failed since {_iso(since)}; last: {outcome.describe()}"
                if await endpoints.disable(session, delivery.endpoint_id, reason, now):
                    ENDPOINTS_DISABLED.inc()
                    log.warning("webhook endpoint disabled", extra={"endpoint_id": delivery.endpoint_id, "reason": reason})


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def _internal_host(url: str) -> str | None:
    """Why the URL's host must not be posted to (it resolves into this network), or None.

    Checked at each attempt, since DNS can change after registration; what remains (a name that
    resolves differently between this check and the connection) is noted in docs/security.md.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443)
    except OSError:
        return None  # let the request fail as a connection error, retried
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if is_internal_address(address):
            return "refused: the host resolves to an internal address"
    return None
