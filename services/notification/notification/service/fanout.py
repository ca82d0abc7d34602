"""From a consumed event to the deliveries it owes partners' endpoints.

The CloudEvent posted is the event's own envelope (id, source, type, time, subject, data) plus a
`sequence` extension attribute (https://github.com/cloudevents/spec/blob/main/cloudevents/extensions/sequence.md):
the event's place among its subject's events, as decimal digits zero-padded to 20 so comparing the
strings orders them. Each aggregate's events travel on one partition, so the order this service
consumes them in is the order they happened; a receiver orders one subject's events by `sequence`
(`time` is when the producer wrote it, for display, and two events may share it).
"""

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from eventing.envelope import Envelope
from notification.db import deliveries, endpoints, read_models
from notification.domain.audience import WITHHELD_FIELDS
from notification.domain.records import PENDING, Delivery
from servicekit.ids import new_id


def cloud_event(envelope: Envelope, sequence: int) -> bytes:
    """The body a partner receives: the envelope with its sequence, without what a partner must not see."""
    event: dict[str, Any] = envelope.model_dump(mode="json")
    event["data"] = {k: v for k, v in event["data"].items() if k not in WITHHELD_FIELDS.get(envelope.type, ())}
    event["sequence"] = f"{sequence:020d}"
    return orjson.dumps(event)


async def fan_out(session: AsyncSession, envelope: Envelope, sequence: int, parties: set[str], now: datetime) -> int:
    """A delivery for each enabled endpoint of these parties that chose this event type; how many."""
    if not parties:
        return 0
    payload: str | None = None
    count = 0
    for endpoint_id, subscriber in await endpoints.enabled_subscribers(session, parties):
        if not subscriber.wants(envelope.type, parties):
            continue
        payload = payload or cloud_event(envelope, sequence).decode()
        await deliveries.add(
            session,
            Delivery(
                id=new_id("msg"), endpoint_id=endpoint_id, event_id=envelope.id, event_type=envelope.type, subject=envelope.subject,
                sequence=sequence, payload=payload, status=PENDING, attempts=0, next_attempt_at=now, last_status_code=None, last_error=None,
                last_latency_ms=None, last_attempt_at=None, created_at=now, delivered_at=None,
            ),
        )  # fmt: skip
        count += 1
    return count


async def fan_out_coupon_event(session: AsyncSession, envelope: Envelope, exchange_id: str, now: datetime) -> None:
    """A coupon's event goes to its exchange's parties; until that exchange is known it waits (parked), in order."""
    sequence = await read_models.next_sequence(session, envelope.subject)
    parties = await read_models.exchange_parties(session, exchange_id)
    if parties is None:
        await read_models.park(session, envelope.id, exchange_id, sequence, envelope.to_bytes().decode(), now)
        return
    await fan_out(session, envelope, sequence, parties, now)


async def release_parked(session: AsyncSession, exchange_id: str, parties: set[str], now: datetime) -> None:
    for sequence, raw in await read_models.unpark(session, exchange_id):
        await fan_out(session, Envelope.from_bytes(raw.encode()), sequence, parties, now)
