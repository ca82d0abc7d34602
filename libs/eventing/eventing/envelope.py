"""The CloudEvents 1.0 JSON envelope every event travels in."""

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from contracts.base import Event

E = TypeVar("E", bound=Event)


class Envelope(BaseModel):
    """A CloudEvent: `subject` is the aggregate id, `schemaversion` the contract's version."""

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
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        """Type and aggregate id as headers too, so routers and tools need not parse the body."""
        return [("ce_type", self.type.encode()), ("ce_id", self.id.encode()), ("ce_subject", self.subject.encode())]

    def open(self, event_class: builtins.type[E]) -> E:
        """The contract event inside, validated against its schema (of the class asked for)."""
        return event_class.model_validate(self.data)
