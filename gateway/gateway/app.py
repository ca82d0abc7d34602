"""The gateway: a plain ASGI app that authenticates, limits, signs the principal and forwards with aiohttp.

Plain ASGI and aiohttp's pooled client because the forwarding path is the platform's hottest:
an httpx-based proxy kept 6–13 % of direct throughput on this machine, this shape 71–77 %.
"""

import asyncio
import contextlib
import logging
import uuid

import aiohttp
import orjson
from starlette.types import Receive, Scope, Send
from yarl import URL

from gateway.addresses import client_address, rate_key
from gateway.apidocs import ApiDocuments
from gateway.auth import Authenticator, Unauthenticated, bearer_token
from gateway.bodies import read_limited
from gateway.config import Settings
from gateway.console import Console
from gateway.edge import SECURITY_HEADERS, Cors
from gateway.forwarding import downstream_headers, upstream_headers
from gateway.observed import Observed, forwarded_traceparent
from gateway.openapi import OpenApiDocument
from gateway.partners import load_partners
from gateway.problems import send_body, send_problem
from gateway.ratelimit import Limit, Limiter, MemoryLimiter, SharedLimiter
from gateway.routes import is_coupon_lookup, service_for
from servicekit.logging import configure_logging
from servicekit.principal import ANONYMOUS, PRINCIPAL_HEADER, Principal, sign_principal
from servicekit.replay import replay_guard
from servicekit.sharedstate import SharedStateUnavailable

log = logging.getLogger("gateway")

_WANTED = {b"authorization", b"x-api-key", b"x-signature", b"x-request-id", b"content-length", b"traceparent", b"origin", b"x-forwarded-for"}
# A credential sent twice is ambiguous (which one counts depends on who reads it): refused outright.
_SINGLE = (b"authorization", b"x-api-key", b"x-signature")
_BUFFER_LIMIT = 1024 * 1024  # responses up to this size go back in one piece; larger ones stream
# A request that may safely be sent twice (RFC 9110 §9.2.2, or carrying an Idempotency-Key the service honours).
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_ATTEMPTS = 3


class BodyTooLarge(Exception):
    pass


class Gateway:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.upstreams = self.settings.upstreams()
        window = self.settings.signature_tolerance_seconds
        redis_url, prefix = self.settings.redis_url, self.settings.redis_prefix
        # A signature is remembered until it could no longer pass the timestamp check anyway.
        self.replays = replay_guard(redis_url, 2 * window, prefix + "sig:")
        self.auth = Authenticator(self.settings, load_partners(self.settings.partners_file), self.replays)
        max_keys = self.settings.rate_limit_max_keys
        self.limiter: Limiter = SharedLimiter(redis_url, prefix + "rl:", max_keys) if redis_url else MemoryLimiter(max_keys)
        kinds = ("anonymous", "customer", "ops", "partner", "coupon_lookup", "auth_failure")
        self.limits = {kind: Limit(*self.settings.limit(kind)) for kind in kinds}
        self.cors = Cors(self.settings)
        self.openapi = OpenApiDocument(self.upstreams, self.settings.openapi_refresh_seconds)
        self.documents = ApiDocuments()
        self.observed = Observed(self.settings)  # /metrics, the access log, tracing (gateway/observed.py)
        self.console = Console(self.settings)
        self.timeout = aiohttp.ClientTimeout(total=self.settings.upstream_timeout_seconds)
        self.session: aiohttp.ClientSession | None = None
        self.fresh_session: aiohttp.ClientSession | None = None
        self._background: asyncio.Task | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self.observed(scope, receive, send, self._http)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                configure_logging("gateway", access_log=False)
                await self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def start(self) -> None:
        """Open the pooled, keep-alive client every forwarded request shares; keep the OpenAPI fresh."""
        self.observed.start()  # first: it turns tracing on, and the sessions trace when it is (CLIENT spans)
        traced = self.observed.client_trace_configs()
        connector = aiohttp.TCPConnector(limit=256, keepalive_timeout=30, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",), trace_configs=traced)
        # Retries go over a new connection each: a pooled one may lead to a replica that just went away.
        fresh = aiohttp.TCPConnector(limit=64, force_close=True)
        self.fresh_session = aiohttp.ClientSession(connector=fresh, auto_decompress=False, skip_auto_headers=("User-Agent",), trace_configs=traced)
        self._background = asyncio.create_task(self.openapi.keep_fresh(self.session))

    async def close(self) -> None:
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
        await self.limiter.close()
        await self.observed.close()
        await self.replays.close()
        if self.session is not None:
            await self.session.close()
        if self.fresh_session is not None:
            await self.fresh_session.close()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted: dict[bytes, bytes] = {}
        repeated = None
        for name, value in scope["headers"]:
            if name in _WANTED:
                if name in wanted and name in _SINGLE:
                    repeated = name
                wanted[name] = value
        request_id = wanted[b"x-request-id"].decode("latin-1")[:200] if b"x-request-id" in wanted else uuid.uuid4().hex
        edge = SECURITY_HEADERS + self.cors.headers_for(wanted.get(b"origin"))
        path = scope["path"]
        method = scope["method"]
        if method == "OPTIONS":
            preflight = self.cors.preflight(wanted.get(b"origin"))
            await send_body(send, 204 if preflight else 403, b"", "text/plain", request_id, SECURITY_HEADERS + (preflight or []))
            return
        if Console.serves(path):  # the web console's files and its dev sign-in: headers of their own
            await self.console(scope, receive, send, request_id)
            return
        if ApiDocuments.serves(path):  # Swagger UI and the AsyncAPI document: a policy of their own (gateway/apidocs.py)
            await self.documents(send, path, request_id, edge)
            return
        if path in ("/api/v1/health", "/api/v1/openapi.json", "/docs", "/health/live", "/health/ready"):
            await self._own_route(path, send, request_id, edge)
            return
        if repeated is not None:
            await send_problem(send, 400, "duplicate_credentials", f"The {repeated.decode()} header was sent more than once.", request_id, edge)
            return
        service = service_for(path)
        if service is None:
            await send_problem(send, 404, "not_found", "No such endpoint.", request_id, edge)
            return
        if len(scope["query_string"]) > self.settings.max_query_bytes:
            await send_problem(send, 414, "uri_too_long", f"Query strings are limited to {self.settings.max_query_bytes} bytes.", request_id, edge)
            return
        if sum(len(name) + len(value) for name, value in scope["headers"]) > self.settings.max_header_bytes:
            await send_problem(send, 431, "headers_too_large", f"Headers are limited to {self.settings.max_header_bytes} bytes.", request_id, edge)
            return
        try:
            body = await self._read_body(receive, wanted.get(b"content-length"))
        except BodyTooLarge:
            await send_problem(send, 413, "payload_too_large", f"Request bodies are limited to {self.settings.max_body_bytes} bytes.", request_id, edge)
            return
        path_with_query = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else path
        if scope["query_string"]:
            path_with_query += "?" + scope["query_string"].decode("latin-1")
        client = client_address(scope["client"][0] if scope.get("client") else None, wanted.get(b"x-forwarded-for"), self.settings.trusted_proxies)
        failures = f"authfail:{rate_key(client)}"
        if _presents_credentials(wanted):
            gate = await self.limiter.take(failures, self.limits["auth_failure"], cost=0)
            if not gate.allowed:
                await send_problem(send, 429, "rate_limited", "Too many failed sign-ins from this address; retry later.", request_id, edge + gate.headers())
                return
        try:
            principal = await self._authenticate(wanted, method, path_with_query, body)
        except SharedStateUnavailable:
            # Fail closed: without the replicas' shared memory of used signatures a replay could pass.
            detail = "Signatures cannot be checked for replay right now; retry shortly."
            await send_problem(send, 503, "upstream_unavailable", detail, request_id, [*edge, (b"retry-after", b"1")])
            return
        except Unauthenticated as exc:
            await self.limiter.take(failures, self.limits["auth_failure"])
            await send_problem(send, 401, "unauthorized", str(exc), request_id, [*edge, (b"www-authenticate", b'Bearer realm="api"')])
            return
        verdict = await self._rate_limit(client, principal, method, path)
        if verdict is not None:
            await send_problem(send, 429, "rate_limited", "Too many requests; slow down and retry after the given time.", request_id, edge + verdict)
            return
        await self._forward(scope, send, service, path_with_query, body, principal, request_id, client, wanted.get(b"traceparent"), edge)

    async def _authenticate(self, wanted: dict[bytes, bytes], method: str, path_with_query: str, body: bytes) -> Principal:
        if b"x-api-key" in wanted or b"x-signature" in wanted:
            if b"x-api-key" not in wanted or b"x-signature" not in wanted:
                raise Unauthenticated("partner requests need both X-Api-Key and X-Signature")
            return await self.auth.partner(wanted[b"x-api-key"].decode("latin-1"), wanted[b"x-signature"].decode("latin-1"), method, path_with_query, body)
        if b"authorization" in wanted:
            token = bearer_token(wanted[b"authorization"].decode("latin-1"))
            if token is None:
                raise Unauthenticated("Authorization must be 'Bearer <token>'")
            return await self.auth.customer(token)
        return ANONYMOUS

    async def _rate_limit(self, client: str, principal: Principal, method: str, path: str) -> list[tuple[bytes, bytes]] | None:
        """None when the request may pass; the 429's headers when it may not."""
        if principal is ANONYMOUS:
            key = f"ip:{rate_key(client)}"
        else:
            key = principal.scope_key()
        verdict = await self.limiter.take(key, self.limits[principal.kind])
        if verdict.allowed and method == "GET" and is_coupon_lookup(path):
            verdict = await self.limiter.take("coupon:" + key, self.limits["coupon_lookup"])
        return None if verdict.allowed else verdict.headers()

    async def _read_body(self, receive: Receive, content_length: bytes | None) -> bytes:
        """The request body, refused as soon as it passes the limit (never read to the end first)."""
        limit = self.settings.max_body_bytes
        if content_length is not None and content_length.isdigit() and int(content_length) > limit:
            raise BodyTooLarge
        body = await read_limited(receive, limit)
        if body is None:
            raise BodyTooLarge
        return body

    async def _forward(
        self, scope: Scope, send: Send, service: str, path_with_query: str, body: bytes, principal: Principal, request_id: str,
        client: str, traceparent: bytes | None, edge: list,
    ) -> None:
        assert self.session is not None and self.fresh_session is not None
        headers = upstream_headers(scope["headers"])
        headers["x-request-id"] = request_id
        headers["traceparent"] = forwarded_traceparent(traceparent)
        headers["x-forwarded-for"] = client
        url = URL(self.upstreams[service] + path_with_query, encoded=True)
        method = scope["method"]
        replayable = method in _SAFE_METHODS or "idempotency-key" in headers
        unavailable = (f"The {service} service is not available.", [*edge, (b"retry-after", b"1")])
        upstream = None
        for attempt in range(_ATTEMPTS):
            if principal is not ANONYMOUS:
                # Signed for this one request to this one service (method, path, body), once, for seconds:
                # a retry carries a new one, as the service may have seen the first.
                headers[PRINCIPAL_HEADER] = sign_principal(
                    principal, self.settings.internal_secret, service=service, method=method, path_with_query=path_with_query, body=body
                )
            session = self.session if attempt == 0 else self.fresh_session
            try:
                upstream = await session.request(method, url, headers=headers, data=body or None, timeout=self.timeout, allow_redirects=False)
                break
            except TimeoutError:
                await send_problem(send, 504, "upstream_timeout", f"The {service} service did not answer in time.", request_id, edge)
                return
            except aiohttp.ClientConnectionError as exc:
                # No answer began. A refused connection never carried the request; a connection that closed
                # (a replica stopping or killed, a kept-alive connection it had just closed) may have, so
                # only a request that is safe to send twice goes again (Go's http.Transport rule, in effect;
                # aiohttp itself also sends a GET once more on the same pool before this sees the error).
                never_sent = isinstance(exc, aiohttp.ClientConnectorError)
                if attempt + 1 == _ATTEMPTS or not (replayable or never_sent):
                    await send_problem(send, 503, "upstream_unavailable", unavailable[0], request_id, unavailable[1])
                    return
                log.info("upstream connection failed; retrying on a new connection", extra={"service": service, "error": repr(exc)})
        assert upstream is not None
        started = False
        try:
            response_headers = downstream_headers(upstream.raw_headers) + edge
            response_headers.append((b"traceparent", headers["traceparent"].encode()))
            if principal is not ANONYMOUS:
                response_headers.append((b"cache-control", b"no-store"))
            if upstream.content_length is not None and upstream.content_length <= _BUFFER_LIMIT:
                content = await upstream.read()
                started = True
                await send({"type": "http.response.start", "status": upstream.status, "headers": response_headers})
                await send({"type": "http.response.body", "body": content})
                return
            started = True
            await send({"type": "http.response.start", "status": upstream.status, "headers": response_headers})
            async for chunk in upstream.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except TimeoutError:
            if started:
                raise
            await send_problem(send, 504, "upstream_timeout", f"The {service} service did not answer in time.", request_id, edge)
        except aiohttp.ClientError:
            if started:
                raise
            await send_problem(send, 503, "upstream_unavailable", unavailable[0], request_id, unavailable[1])
        finally:
            upstream.release()
            await upstream.wait_for_close()

    async def _own_route(self, path: str, send: Send, request_id: str, edge: list) -> None:
        if path == "/api/v1/openapi.json":
            await send_body(send, 200, self.openapi.merged, "application/json", request_id, edge)
        elif path == "/docs":
            await send_body(send, 200, self.openapi.docs_page(), "text/html; charset=utf-8", request_id, edge)
        elif path == "/health/live":
            await send_body(send, 200, b'{"status":"ok"}', "application/json", request_id, edge)
        elif path == "/health/ready":
            # The gateway's own readiness: its client pool is open and the shared state (Redis) answers.
            # Services are not asked: one service down must not take every gateway replica out of rotation.
            ready = self.session is not None and await self._redis_answers()
            await send_body(send, 200 if ready else 503, b'{"status":"ok"}' if ready else b'{"status":"degraded"}', "application/json", request_id, edge)
        else:
            status, body = await self._health()
            await send_body(send, status, body, "application/json", request_id, edge)

    async def _redis_answers(self) -> bool:
        if not isinstance(self.limiter, SharedLimiter):
            return True
        try:
            return bool(await asyncio.wait_for(self.limiter.redis.ping(), timeout=1))
        except Exception:  # any failure to answer means "not ready", never a crash of the probe
            return False

    async def _health(self) -> tuple[int, bytes]:
        assert self.session is not None
        session = self.session

        async def probe(name: str, base: str) -> tuple[str, dict]:
            try:
                async with session.get(base + "/health", timeout=aiohttp.ClientTimeout(total=2)) as response:
                    return name, await response.json()
            except (aiohttp.ClientError, TimeoutError, ValueError):
                return name, {"status": "unavailable"}

        results = dict(await asyncio.gather(*(probe(name, base) for name, base in self.upstreams.items())))
        healthy = all(result.get("status") == "ok" for result in results.values())
        return (200 if healthy else 503), orjson.dumps({"status": "ok" if healthy else "degraded", "services": results})


def _presents_credentials(wanted: dict[bytes, bytes]) -> bool:
    return b"authorization" in wanted or b"x-api-key" in wanted or b"x-signature" in wanted


def app() -> Gateway:
    """Factory for `uvicorn --factory gateway.app:app`."""
    return Gateway()
