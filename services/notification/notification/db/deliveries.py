"""Webhook deliveries: added by the fan-out, claimed with a lease by delivery workers, finished once."""

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Row, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notification.db.dialect import ignoring_duplicates, is_postgres
from notification.db.tables import deliveries, endpoints
from notification.domain.records import DELIVERING, ENABLED, FAILED, PENDING, SUCCEEDED, Delivery


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(**{f: getattr(row, f) for f in Delivery.__dataclass_fields__})


# The fan-out's insert, built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_ADD = ignoring_duplicates(deliveries, ["endpoint_id", "event_id"])


async def add(session: AsyncSession, delivery: Delivery) -> None:
    """Once per (endpoint, event): a replayed event adds nothing."""
    values = {f: getattr(delivery, f) for f in Delivery.__dataclass_fields__}
    await session.execute(_ADD.of(session), values)


async def claim_due(session: AsyncSession, now: datetime, lease: timedelta, limit: int) -> list[tuple[Delivery, str]]:
    """Due deliveries of enabled endpoints, leased to this worker: (delivery, lease token).

    Pending ones whose time has come, and ones a worker claimed but never finished (its lease ran
    out: it died). PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two workers take different rows; SQLite:
    the write transaction is BEGIN IMMEDIATE, so claims are serialised. The token makes a late
    finish by a worker whose lease was taken over change nothing.
    """
    due = or_(
        and_(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now),
        and_(deliveries.c.status == DELIVERING, deliveries.c.lease_until <= now),
    )
    query = (
        select(deliveries).join(endpoints, endpoints.c.id == deliveries.c.endpoint_id)
        .where(due, endpoints.c.status == ENABLED).order_by(deliveries.c.next_attempt_at, deliveries.c.sequence).limit(limit)
    )  # fmt: skip
    if is_postgres(session):
        query = query.with_for_update(of=deliveries, skip_locked=True)
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    token = uuid.uuid4().hex  # one per claim: a finish must match both the row and this claim
    await session.execute(
        update(deliveries).where(deliveries.c.id.in_([row.id for row in rows]))
        .values(status=DELIVERING, lease_token=token, lease_until=now + lease, attempts=deliveries.c.attempts + 1)
    )  # fmt: skip
    return [(_delivery(row), token) for row in rows]


async def finish(
    session: AsyncSession, delivery_id: str, token: str, *, status: str, next_attempt_at: datetime | None, status_code: int | None,
    error: str | None, latency_ms: int, at: datetime,
) -> bool:
    """Record one attempt's outcome, if this worker still holds the lease."""
    values: dict[str, Any] = {
        "status": status, "lease_token": None, "lease_until": None, "last_status_code": status_code,
        "last_error": error[:500] if error else None, "last_latency_ms": latency_ms, "last_attempt_at": at,
    }  # fmt: skip
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if status == SUCCEEDED:
        values["delivered_at"] = at
    result = await session.execute(update(deliveries).where(deliveries.c.id == delivery_id, deliveries.c.lease_token == token).values(**values))
    return cast(CursorResult[Any], result).rowcount == 1


async def get(session: AsyncSession, endpoint_id: str, delivery_id: str) -> Delivery | None:
    row = (await session.execute(select(deliveries).where(deliveries.c.id == delivery_id, deliveries.c.endpoint_id == endpoint_id))).one_or_none()
    return _delivery(row) if row else None


async def redeliver(session: AsyncSession, delivery_id: str, now: datetime) -> None:
    """Again from now, with a fresh retry window; the same webhook-id, so a receiver that has it skips it."""
    await session.execute(
        update(deliveries).where(deliveries.c.id == delivery_id, deliveries.c.status != DELIVERING)
        .values(status=PENDING, next_attempt_at=now, created_at=now, attempts=0)
    )  # fmt: skip


async def page(session: AsyncSession, endpoint_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Delivery]:
    query = select(deliveries).where(deliveries.c.endpoint_id == endpoint_id)
    if after is not None:
        at, last_id = after
        query = query.where(or_(deliveries.c.created_at < at, and_(deliveries.c.created_at == at, deliveries.c.id < last_id)))
    rows = (await session.execute(query.order_by(deliveries.c.created_at.desc(), deliveries.c.id.desc()).limit(limit))).all()
    return [_delivery(r) for r in rows]


__all__ = ["FAILED", "add", "claim_due", "finish", "get", "page", "redeliver"]
