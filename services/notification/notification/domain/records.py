"""What the service keeps, as plain objects the repositories return."""

from dataclasses import dataclass
from datetime import datetime

ENABLED, DISABLED = "enabled", "disabled"
PENDING, DELIVERING, SUCCEEDED, FAILED = "pending", "delivering", "succeeded", "failed"
SCHEDULED, SENDING, SENT, SKIPPED = "scheduled", "sending", "sent", "skipped"


@dataclass(frozen=True)
class Endpoint:
    id: str
    partner_key_id: str
    store_id: str | None
    url: str
    event_types: tuple[str, ...]
    description: str
    status: str
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    previous_secret_until: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Delivery:
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    subject: str
    sequence: int
    payload: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: int | None
    last_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Message:
    id: str
    account_id: str
    reason: str
    dedupe_key: str
    about: str
    title: str
    body: str
    due_at: datetime
    status: str
    attempts: int
    channel: str | None
    sent_at: datetime | None
    created_at: datetime
