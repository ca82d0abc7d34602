"""Trace context carried with every event: outbox → relay → broker → consumer, one trace.

Only the OpenTelemetry API is used here. With no SDK configured (tests, `make run` without an
exporter) every call is a no-op on a non-recording span, so this costs next to nothing; a service
that installs the SDK gets real spans without a change here.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind
from opentelemetry.util.types import AttributeValue

from eventing.envelope import TRACE_ATTRIBUTES, Envelope

_tracer = trace.get_tracer("eventing")


def current_trace_context() -> dict[str, str]:
    """The active trace context as the envelope's tracing extension attributes (empty: no active span)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {name: carrier[name] for name in TRACE_ATTRIBUTES if carrier.get(name)}


def header_trace_context(headers: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    """The tracing headers of a Kafka record (for records whose envelope does not carry them)."""
    found: dict[str, str] = {}
    for name, value in headers or ():
        if name in TRACE_ATTRIBUTES and value:
            found[name] = value.decode(errors="replace")
    return found


def _parent(carrier: Mapping[str, str]) -> Context | None:
    return propagate.extract(dict(carrier)) if carrier else None


@contextmanager
def publishing(topic: str, event_type: str, event_id: str, subject: str, carrier: Mapping[str, str]) -> Iterator[Span]:
    """The relay's PRODUCER span for one message, a child of the request that wrote the event."""
    attributes = {
        "messaging.system": "kafka", "messaging.operation.type": "send", "messaging.destination.name": topic,
        "messaging.message.id": event_id, "messaging.kafka.message.key": subject,
        "cloudevents.event_type": event_type, "cloudevents.event_id": event_id, "cloudevents.event_subject": subject,
    }
    with _tracer.start_as_current_span(f"{topic} publish", context=_parent(carrier), kind=SpanKind.PRODUCER, attributes=attributes) as span:
        yield span


@contextmanager
def processing(
    consumer: str, topic: str, partition: int, offset: int, key: bytes | None, envelope: Envelope, headers: Sequence[tuple[str, bytes]] | None
) -> Iterator[Span]:
    """The consumer's CONSUMER span around the inbox check and the handler.

    The parent is the envelope's tracing extension, else the record's headers: one trace then runs
    from the request that wrote the event to the effect it had here.
    """
    carrier = envelope.trace_context() or header_trace_context(headers)
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "kafka", "messaging.operation.type": "process", "messaging.destination.name": topic,
        "messaging.consumer.group.name": consumer, "messaging.message.id": envelope.id,
        "messaging.kafka.message.key": (key or b"").decode(errors="replace"),
        "messaging.destination.partition.id": str(partition), "messaging.kafka.partition": partition,
        "messaging.kafka.offset": offset,
        "cloudevents.event_type": envelope.type, "cloudevents.event_id": envelope.id, "cloudevents.event_subject": envelope.subject,
        "cloudevents.event_source": envelope.source,
    }
    with _tracer.start_as_current_span(f"{topic} process", context=_parent(carrier), kind=SpanKind.CONSUMER, attributes=attributes) as span:
        yield span
