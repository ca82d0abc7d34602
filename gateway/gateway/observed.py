"""What an operator sees of the gateway: /metrics, one access-log line per request, and (when tracing is
on) a SERVER span per request and, inside it, a CLIENT span per forwarded attempt
(opentelemetry-instrumentation-aiohttp-client) whose context is the `traceparent` the service receives.

Around the whole request, so refusals (401, 404, 413, 429) are counted, logged and traced like answers.
Metrics use the services' histogram, `http_request_duration_seconds{service="gateway"}`, with `route`
the upstream service's name (catalog, enrolment, …), the gateway's own fixed path, `console`, or
`unmatched`: never the raw path, so a scan of random URLs cannot grow the series without bound.
"""

import asyncio
import hmac
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import TraceConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import Message, Receive, Scope, Send

from gateway.addresses import client_address, trace_parent
from gateway.config import Settings
from gateway.edge import SECURITY_HEADERS
from gateway.problems import send_body, send_problem
from gateway.routes import service_for
from servicekit.http import KNOWN_METHODS, REQUEST_LATENCY
from servicekit.logging import redact, request_id_var
from servicekit.tracing import configure_tracing, flush_tracing

access_log = logging.getLogger("gateway.access")


class AccessFormatter(logging.Formatter):
    """The services' JSON line (servicekit.logging.JsonFormatter's keys), masking only the request id.

    Every other field is bounded by construction (a known method or `other`, a route label, a status,
    a duration, a parsed address), so the full masking of each field — about 70 µs a line, on the
    gateway's hottest path — is spent on the one value a client writes freely.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname, "service": "gateway", "logger": record.name, "message": record.getMessage(),
            "request_id": redact(request_id_var.get() or ""),
            **getattr(record, "access", {}),
        }
        return orjson.dumps(entry).decode()

OWN_ROUTES = frozenset({"/api/v1/health", "/api/v1/openapi.json", "/docs", "/health/live", "/health/ready", "/metrics"})
# Probes arrive every few seconds from every orchestrator and scraper: counted, but neither logged nor traced.
QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


def route_of(path: str) -> str:
    """The bounded `route` label of a request path."""
    if path in OWN_ROUTES:
        return path
    service = service_for(path)
    if service is not None:
        return service
    if path == "/console" or path.startswith("/console/"):
        return "console"
    return "unmatched"


class Observed:
    """Counts, logs and traces every HTTP request the gateway answers; serves /metrics to the scraper."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tracer: Any = None

    def start(self) -> None:
        """The access log's own lean handler (after configure_logging); tracing on when
        OTEL_EXPORTER_OTLP_ENDPOINT is set (servicekit.tracing)."""
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(AccessFormatter())
        access_log.handlers[:] = [handler]
        access_log.propagate = False
        access_log.setLevel(logging.INFO)
        if configure_tracing("gateway"):
            from opentelemetry import trace

            self.tracer = trace.get_tracer("gateway")

    def client_trace_configs(self) -> list[TraceConfig]:
        """For the forwarding client's sessions (after `start`): none when tracing is off, so it pays nothing.

        On, each forwarded attempt inside a sampled request is a CLIENT span, the SERVER span's child, and the
        instrumentation writes that span's context into the forwarded `traceparent` (over the one `_forward`
        set). The gateway's own calls outside a request (the OpenAPI refresh) and requests not sampled make
        no span: the SERVER span's context then goes as it is. The URL is masked as the logs mask it.
        """
        if self.tracer is None:
            return []
        from opentelemetry import trace
        from opentelemetry.instrumentation.aiohttp_client import create_trace_config

        config = create_trace_config(url_filter=lambda url: redact(str(url)))
        [start] = config.on_request_start  # the instrumentation's one hook, which starts the span

        async def inside_a_traced_request(session: Any, context: Any, params: Any) -> None:
            if trace.get_current_span().is_recording():
                await start(session, context, params)

        config.on_request_start[0] = inside_a_traced_request
        return [config]

    async def close(self) -> None:
        await asyncio.to_thread(flush_tracing)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, handler: Handler) -> None:
        started = time.perf_counter()
        headers = scope["headers"]
        request_id = None
        for name, value in headers:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:200]
                break
        if request_id is None:
            # Made here, not by the handler, so the access log, the answer and the service all carry the same one.
            request_id = uuid.uuid4().hex
            scope = {**scope, "headers": [*headers, (b"x-request-id", request_id.encode("latin-1"))]}
        path = scope["path"]
        route = route_of(path)
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
        answer = _Answer(send)
        token = request_id_var.set(request_id)
        try:
            if path == "/metrics":
                await self._metrics(scope, answer, request_id)
            elif self.tracer is None or route in QUIET_ROUTES:
                await handler(scope, receive, answer)
            else:
                await self._traced(scope, receive, answer, handler, route)
        finally:
            elapsed = time.perf_counter() - started
            REQUEST_LATENCY.labels("gateway", method, route, str(answer.status)).observe(elapsed)
            if route not in QUIET_ROUTES:
                self._log(scope, method, route, answer.status, elapsed)
            request_id_var.reset(token)

    async def _traced(self, scope: Scope, receive: Receive, answer: "_Answer", handler: Handler, route: str) -> None:
        from opentelemetry import propagate
        from opentelemetry.trace import SpanKind, Status, StatusCode

        carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"] if name in (b"traceparent", b"tracestate")}
        # A caller's valid traceparent is continued (an invalid one is ignored: a new trace starts here).
        # The path as the logs show it: coupon codes and IMEIs masked (servicekit.logging.redact).
        attributes = {"http.request.method": scope["method"], "http.route": route, "url.path": redact(scope["path"])}
        with self.tracer.start_as_current_span(f"{scope['method']} {route}", context=propagate.extract(carrier), kind=SpanKind.SERVER, attributes=attributes) as span:
            await handler(scope, receive, answer)
            span.set_attribute("http.response.status_code", answer.status)
            if answer.status >= 500:
                span.set_status(Status(StatusCode.ERROR))

    async def _metrics(self, scope: Scope, send: Send, request_id: str) -> None:
        # Only for the scraper, as on the services: `Authorization: Bearer <METRICS_TOKEN>`; without a token set, 404.
        sent = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                sent = value.removeprefix(b"Bearer ").strip()
        token = self.settings.metrics_token.encode()
        if scope["method"] != "GET" or not token or not hmac.compare_digest(sent, token):
            await send_problem(send, 404, "not_found", "No such endpoint.", request_id, SECURITY_HEADERS)
            return
        await send_body(send, 200, generate_latest(), CONTENT_TYPE_LATEST, request_id, SECURITY_HEADERS)

    def _log(self, scope: Scope, method: str, route: str, status: int, elapsed: float) -> None:
        peer = scope["client"][0] if scope.get("client") else None
        forwarded = next((value for name, value in scope["headers"] if name == b"x-forwarded-for"), None)
        # No path: `route` says where it went, and the service's own log has the path under the same request id.
        fields = {
            "method": method, "route": route, "status": status, "duration_ms": round(elapsed * 1000, 2),
            "client": client_address(peer, forwarded, self.settings.trusted_proxies),
        }
        access_log.info("%s %s %s", method, route, status, extra={"access": fields})


def forwarded_traceparent(sent: bytes | None) -> str:
    """The `traceparent` of the answer, and the one forwarded unless the client's CLIENT span replaces it
    (`Observed.client_trace_configs`): the gateway's SERVER span when tracing is on, else the caller's
    valid one or a fresh one (as before tracing existed)."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    return trace_parent(sent)


class _Answer:
    """`send`, noting the status the answer started with (500 until it starts: a handler that raised)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)
