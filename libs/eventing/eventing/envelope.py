"""The CloudEvents 1.0 JSON envelope every event travels in."""

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from contracts.base import Event

E = TypeVar("E", bound=Event)


# The CloudEvents Kafka protocol binding, structured mode: the whole event is the message value.
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
# The CloudEvents distributed-tracing extension attributes, carried only when a trace is active.
TRACE_ATTRIBUTES = ("traceparent", "tracestate")


class Envelope(BaseModel):
    """A CloudEvent: `subject` is the aggregate id, `schemaversion` the contract's version.

    `traceparent`/`tracestate` are the distributed-tracing extension: the W3C trace context of the
    request that produced the event, absent (not null) when there was none.
    """

    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    time: datetime
    subject: str
    datacontenttype: str = "application/json"
    schemaversion: int
    data: dict[str, Any]
    traceparent: str | None = None
    tracestate: str | None = None

    @classmethod
    def wrap(cls, event: Event, source: str, now: datetime | None = None) -> "Envelope":
        """Put a contract event in an envelope, stamped now."""
        return cls(
            source=source,
            type=event.TYPE,
            time=now or datetime.now(UTC),
            subject=event.aggregate_id(),
            schemaversion=event.VERSION,
            data=event.model_dump(mode="json"),
        )

    def to_bytes(self) -> bytes:
        document = self.model_dump(mode="json")
        for name in TRACE_ATTRIBUTES:  # an absent extension is left out, not written as null
            if document.get(name) is None:
                document.pop(name, None)
        return orjson.dumps(document)

    def trace_context(self) -> dict[str, str]:
        """The trace context carried by this event (a propagation carrier; empty without a trace)."""
        return {name: value for name in TRACE_ATTRIBUTES if (value := getattr(self, name))}

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        """The headers the relay sends with this event (see `kafka_headers`)."""
        return kafka_headers(self.type, self.id, self.subject, self.trace_context())

    def open(self, event_class: builtins.type[E]) -> E:
        """The contract event inside, validated against its schema (of the class asked for)."""
        return event_class.model_validate(self.data)


def kafka_headers(event_type: str, event_id: str, subject: str, trace: dict[str, str]) -> list[tuple[str, bytes]]:
    """Structured mode's `content-type`, plus convenience copies for routing without parsing.

    `ce_type`/`ce_id`/`ce_subject` copy attributes of the envelope in the value: they are not the
    binary mode (whose `ce_*` headers would replace the envelope); the value stays authoritative.
    `traceparent`/`tracestate` copy the tracing extension, as Kafka tracing tools expect them.
    """
    headers = [
        ("content-type", STRUCTURED_CONTENT_TYPE.encode()),
        ("ce_type", event_type.encode()),
        ("ce_id", event_id.encode()),
        ("ce_subject", subject.encode()),
    ]
    return headers + [(name, value.encode()) for name, value in trace.items()]
