"""OpenTelemetry tracing, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set.

When on, `configure_tracing` installs the process's global TracerProvider — the `service.name` resource,
a BatchSpanProcessor and an OTLP/HTTP (protobuf) exporter, every standard `OTEL_*` variable honoured
(sampler, headers, timeouts, batch sizes, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`) — and the
httpx instrumentation (the pricing partner's calls). Each process then adds what it runs: FastAPI
(`instrument_app`), its database engines (`instrument_engine`, opentelemetry-instrumentation-sqlalchemy);
the gateway makes its own SERVER span and traces its forwarding client with
opentelemetry-instrumentation-aiohttp-client (gateway/observed.py). libs/eventing needs nothing from here: it uses the global provider and
propagator through opentelemetry-api, so the relay's PRODUCER and the consumers' CONSUMER spans are
exported with the rest. `flush_tracing` exports what is batched when the app stops.

Off, nothing is imported beyond opentelemetry-api's no-op tracer, which costs next to nothing.
The SDK is imported lazily so a process without tracing pays neither its import nor its memory.
"""

import logging
import os
import weakref
from typing import Any

log = logging.getLogger("servicekit.tracing")

# Readiness and scrape probes arrive every few seconds from every orchestrator: spans about them are noise.
EXCLUDED_URLS = "/health,/health/live,/health/ready,/metrics,/api/v1/health"

_provider: Any = None  # the SDK TracerProvider once configured (typed Any: the SDK is imported lazily)


def tracing_enabled() -> bool:
    """Whether spans are exported: an OTLP endpoint is set and the SDK is not disabled."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_tracing(service_name: str) -> bool:
    """Install the global TracerProvider with an OTLP exporter, once per process; True when tracing is on."""
    global _provider
    if _provider is not None:
        return True
    if not tracing_enabled():
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME, when an operator sets one, names the process instead of the platform's name.
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service_name})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument()
    _provider = provider
    log.info("tracing on: spans exported by OTLP/HTTP", extra={"otel_service": resource.attributes.get(SERVICE_NAME)})
    return True


def instrument_app(app: Any) -> None:
    """SERVER spans for a FastAPI app, named by route template, continuing the caller's `traceparent`."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # No span per ASGI send/receive message: two or three more per request, which tell an operator nothing.
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=_provider, excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"], server_request_hook=_mask_url
    )


# The raw path and query a request span records: coupon codes and IMEIs travel in them (/coupons/{code}).
_URL_ATTRIBUTES = ("http.target", "http.url", "url.path", "url.query", "url.full")


def _mask_url(span: Any, scope: dict[str, Any]) -> None:
    """Mask in the span what the logs mask (servicekit.logging.redact); `http.route` keeps the template.

    The path and the query are masked once each and put back into every attribute that holds them:
    the masking is the dearest step of a traced request, so it is not run on the same text twice.
    """
    if not span.is_recording():
        return
    from servicekit.logging import redact

    path = scope.get("path", "")
    query = scope.get("query_string", b"").decode("latin-1")
    masked_path = redact(path)
    masked_query = redact(query) if query else ""
    recorded = span.attributes or {}
    for key in _URL_ATTRIBUTES:
        value = recorded.get(key)
        if not isinstance(value, str):
            continue
        masked = value.replace(query, masked_query) if query and query in value else value
        masked = masked.replace(path, masked_path, 1) if path in masked else masked
        if path not in value and (not query or query not in value):
            masked = redact(value)  # a shape not built from this path and query: masked on its own
        span.set_attribute(key, masked)


def instrument_engine(engine: Any) -> None:
    """A CLIENT span per SQL statement of this SQLAlchemy engine (an AsyncEngine or a sync one), by
    opentelemetry-instrumentation-sqlalchemy.

    The span carries the statement with its placeholders (`db.statement`), never the bound values
    (IMEIs, coupon codes): the instrumentation reads the statement SQLAlchemy sends, the values go apart.
    No sqlcommenter: it would write the trace context into every statement, defeating the databases'
    statement caches, for nothing an operator here reads.
    """
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from sqlalchemy import event

    sync_engine = getattr(engine, "sync_engine", engine)
    if sync_engine in _traced_engines:  # with PostgreSQL the writer is the reader
        return
    _traced_engines.add(sync_engine)
    # Ahead of the instrumentation's own error listener, which would put the database's message in the
    # span: PostgreSQL's quotes the values (`Key (imei)=(…) already exists`). The error's type name only.
    event.listen(sync_engine, "handle_error", _failed_statement, insert=True)
    instrumentor = SQLAlchemyInstrumentor()
    # The instrumentor is a process-wide singleton that instruments once: a second engine (the reader, or
    # a lifespan run again in the same process) is traced by instrumenting again with every live engine.
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    # skip_dep_check: the release declares sqlalchemy <2.1 and the platform runs 2.1, where the engine
    # events it listens to (cursor execution, errors, the pool's checkouts) are unchanged; without it,
    # instrument() logs the conflict and traces nothing. tests/observability proves the spans arrive.
    instrumentor.instrument(engines=list(_traced_engines), tracer_provider=_provider, enable_commenter=False, skip_dep_check=True)


_traced_engines: "weakref.WeakSet[Any]" = weakref.WeakSet()


def _failed_statement(exception_context: Any) -> None:
    """End a failed statement's span with the error's type as its status, before the instrumentation sees it."""
    from opentelemetry.trace import Status, StatusCode

    execution = exception_context.execution_context
    span = getattr(execution, "_otel_span", None)  # where the instrumentation keeps the statement's span
    if span is None:
        return
    span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
    span.end()
    execution._otel_span = None  # so the instrumentation's listener finds no span to describe


def flush_tracing(timeout_seconds: float = 5.0) -> None:
    """Export what is batched now (the app is stopping). The SDK's own exit hook shuts the exporter down
    when the process ends, so a lifespan that runs again in the same process keeps tracing."""
    if _provider is not None:
        _provider.force_flush(int(timeout_seconds * 1000))
