"""Webhook endpoints in and out of the database (secrets stay ciphertext here; service/secrets.py opens them)."""

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Row, and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notification.db.tables import endpoints
from notification.domain.audience import Subscriber, keys_and_stores
from notification.domain.records import DISABLED, ENABLED, Endpoint


def _endpoint(row: Row[Any]) -> Endpoint:
    return Endpoint(
        id=row.id, partner_key_id=row.partner_key_id, store_id=row.store_id, url=row.url, event_types=tuple(json.loads(row.event_types)),
        description=row.description, status=row.status, disabled_reason=row.disabled_reason, disabled_at=row.disabled_at,
        failing_since=row.failing_since, previous_secret_until=row.previous_secret_until, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def _one_row(result: Result[Any]) -> bool:
    return cast(CursorResult[Any], result).rowcount == 1


async def add(session: AsyncSession, endpoint: Endpoint, secret_ciphertext: str) -> None:
    values = {f: getattr(endpoint, f) for f in Endpoint.__dataclass_fields__} | {"event_types": json.dumps(list(endpoint.event_types))}
    await session.execute(insert(endpoints).values(**values, secret=secret_ciphertext, previous_secrets="[]"))


async def by_partner_and_url(session: AsyncSession, partner_key_id: str, url: str) -> Endpoint | None:
    row = (await session.execute(select(endpoints).where(endpoints.c.partner_key_id == partner_key_id, endpoints.c.url == url))).one_or_none()
    return _endpoint(row) if row else None


async def get(session: AsyncSession, endpoint_id: str, lock: bool = False) -> Endpoint | None:
    query = select(endpoints).where(endpoints.c.id == endpoint_id)
    row = (await session.execute(query.with_for_update() if lock else query)).one_or_none()
    return _endpoint(row) if row else None


async def secrets_of(session: AsyncSession, endpoint_id: str) -> tuple[str, list[tuple[str, datetime]]]:
    """The current secret's ciphertext, and the replaced ones with the moment each stops signing."""
    row = (await session.execute(select(endpoints.c.secret, endpoints.c.previous_secrets).where(endpoints.c.id == endpoint_id))).one()
    return row.secret, [(sealed, datetime.fromisoformat(until)) for sealed, until in json.loads(row.previous_secrets)]


async def page(session: AsyncSession, partner_key_id: str | None, after: tuple[datetime, str] | None, limit: int) -> list[Endpoint]:
    """Newest first; one partner's, or every partner's (ops) when `partner_key_id` is None."""
    query = select(endpoints)
    if partner_key_id is not None:
        query = query.where(endpoints.c.partner_key_id == partner_key_id)
    if after is not None:
        at, last_id = after
        query = query.where(or_(endpoints.c.created_at < at, and_(endpoints.c.created_at == at, endpoints.c.id < last_id)))
    rows = (await session.execute(query.order_by(endpoints.c.created_at.desc(), endpoints.c.id.desc()).limit(limit))).all()
    return [_endpoint(r) for r in rows]


# The fan-out's read, run per event, built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_ENABLED_SUBSCRIBERS = select(endpoints.c.id, endpoints.c.partner_key_id, endpoints.c.store_id, endpoints.c.event_types).where(
    endpoints.c.status == ENABLED,
    or_(endpoints.c.partner_key_id.in_(bindparam("keys", expanding=True)), endpoints.c.store_id.in_(bindparam("stores", expanding=True))),
)


async def enabled_subscribers(session: AsyncSession, parties: set[str]) -> list[tuple[str, Subscriber]]:
    """The enabled endpoints that belong to one of these parties (by partner key or store): read per event, so only those."""
    keys, stores = keys_and_stores(parties)
    rows = (await session.execute(_ENABLED_SUBSCRIBERS, {"keys": keys, "stores": stores})).all()
    return [(r.id, Subscriber(r.partner_key_id, r.store_id, tuple(json.loads(r.event_types)))) for r in rows]


async def disable(session: AsyncSession, endpoint_id: str, reason: str, now: datetime) -> bool:
    result = await session.execute(
        update(endpoints).where(endpoints.c.id == endpoint_id, endpoints.c.status == ENABLED)
        .values(status=DISABLED, disabled_reason=reason[:500], disabled_at=now, updated_at=now)
    )  # fmt: skip
    return _one_row(result)


async def enable(session: AsyncSession, endpoint_id: str, now: datetime) -> None:
    await session.execute(
        update(endpoints).where(endpoints.c.id == endpoint_id)
        .values(status=ENABLED, disabled_reason=None, disabled_at=None, failing_since=None, updated_at=now)
    )  # fmt: skip


async def rotate(session: AsyncSession, endpoint_id: str, new_ciphertext: str, previous: list[tuple[str, datetime]], now: datetime) -> None:
    """`previous`: the secrets that keep signing beside the new one, each until its time."""
    listed = json.dumps([[sealed, until.isoformat()] for sealed, until in previous])
    last = max((until for _, until in previous), default=None)
    await session.execute(
        update(endpoints).where(endpoints.c.id == endpoint_id)
        .values(secret=new_ciphertext, previous_secrets=listed, previous_secret_until=last, updated_at=now)
    )  # fmt: skip


async def note_success(session: AsyncSession, endpoint_id: str) -> None:
    await session.execute(update(endpoints).where(endpoints.c.id == endpoint_id, endpoints.c.failing_since.is_not(None)).values(failing_since=None))


async def note_failure(session: AsyncSession, endpoint_id: str, now: datetime) -> datetime:
    """When the endpoint's current run of failures began (now, if this is its first)."""
    await session.execute(update(endpoints).where(endpoints.c.id == endpoint_id, endpoints.c.failing_since.is_(None)).values(failing_since=now))
    since = await session.scalar(select(endpoints.c.failing_since).where(endpoints.c.id == endpoint_id))
    return since or now
