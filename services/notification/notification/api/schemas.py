"""HTTP shapes of webhook endpoints, deliveries and customer messages."""

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from notification.domain.audience import ALL, EVENT_TYPES
from notification.domain.records import Delivery, Endpoint, Message
from servicekit.inputs import PRINTABLE


class EndpointBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, description="https URL the events are POSTed to", examples=["https://partner.example/webhooks"])
    event_types: list[str] = Field(
        min_length=1, max_length=len(EVENT_TYPES) + 1, description=f"Event types to receive, or `{ALL}` for all: {', '.join(EVENT_TYPES)}",
        examples=[["valuation.ExchangeAccepted", "coupon.CouponRedeemed"]],
    )  # fmt: skip
    description: str = Field("", max_length=200, pattern=PRINTABLE)


class DisableBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=200, pattern=PRINTABLE)


class EndpointOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None = Field(description="Set while every attempt fails; the endpoint is disabled if it lasts 24 h")
    previous_secret_valid_until: datetime | None = Field(description="After a rotation, until when the old secret's signature is sent too")
    partner_key_id: str
    created_at: datetime

    @classmethod
    def of(cls, e: Endpoint) -> "EndpointOut":
        return cls(
            id=e.id, url=e.url, event_types=list(e.event_types), description=e.description, status="enabled" if e.status == "enabled" else "disabled",
            disabled_reason=e.disabled_reason, disabled_at=e.disabled_at, failing_since=e.failing_since, previous_secret_valid_until=e.previous_secret_until,
            partner_key_id=e.partner_key_id, created_at=e.created_at,
        )  # fmt: skip


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="`whsec_…`: verify each webhook with it (standardwebhooks). Shown only now; rotate if lost.")


class EndpointPage(BaseModel):
    items: list[EndpointOut]
    next_cursor: str | None


class DeliveryOut(BaseModel):
    id: str = Field(description="The `webhook-id` header: dedupe on it")
    event_id: str
    event_type: str
    subject: str
    sequence: int
    status: Literal["pending", "delivering", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: int | None
    last_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    event: dict = Field(description="The CloudEvent as posted")

    @classmethod
    def of(cls, d: Delivery) -> "DeliveryOut":
        return cls.model_validate(
            {
                "id": d.id, "event_id": d.event_id, "event_type": d.event_type, "subject": d.subject, "sequence": d.sequence, "status": d.status,
                "attempts": d.attempts, "next_attempt_at": d.next_attempt_at if d.status == "pending" else None, "last_status_code": d.last_status_code,
                "last_error": d.last_error, "last_latency_ms": d.last_latency_ms, "last_attempt_at": d.last_attempt_at, "created_at": d.created_at,
                "delivered_at": d.delivered_at, "event": json.loads(d.payload),
            }
        )  # fmt: skip


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    id: str
    reason: Literal["coupon_credited", "exchange_cancelled", "coupon_expiring", "value_dropping"]
    about: str = Field(description="The coupon, exchange or plan the message is about")
    title: str
    body: str
    channel: str | None
    sent_at: datetime | None

    @classmethod
    def of(cls, m: Message) -> "MessageOut":
        return cls.model_validate({"id": m.id, "reason": m.reason, "about": m.about, "title": m.title, "body": m.body, "channel": m.channel, "sent_at": m.sent_at})


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reminders: StrictBool = Field(description="Coupon-expiry and assured-value reminders; transactional messages are always sent")
