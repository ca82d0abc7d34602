"""What earlier events told: whose plans, exchanges and coupons these are, each subject's sequence, parked events."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notification.db.dialect import dialect_insert, insert_ignoring_duplicates
from notification.db.tables import coupons, exchanges, parked_events, plans, subject_sequences


async def next_sequence(session: AsyncSession, subject: str) -> int:
    """1, 2, 3 … per subject, in the order this service consumed its events."""
    # One statement per event (this runs for every event consumed): insert 1, or add 1 to what is there.
    statement = (
        dialect_insert(session, subject_sequences)
        .values(subject=subject, last_sequence=1)
        .on_conflict_do_update(index_elements=["subject"], set_={"last_sequence": subject_sequences.c.last_sequence + 1})
    )
    return int(await session.scalar(statement.returning(subject_sequences.c.last_sequence)))


async def remember_plan(session: AsyncSession, plan_id: str, account_id: str, store_id: str, now: datetime) -> None:
    statement = insert_ignoring_duplicates(session, plans, ["id"], id=plan_id, account_id=account_id, store_id=store_id, status="active", updated_at=now)
    await session.execute(statement)


async def set_plan_status(session: AsyncSession, plan_id: str, status: str, now: datetime) -> None:
    await session.execute(update(plans).where(plans.c.id == plan_id).values(status=status, updated_at=now))


async def plan(session: AsyncSession, plan_id: str) -> Any:
    return (await session.execute(select(plans).where(plans.c.id == plan_id))).one_or_none()


async def remember_exchange(session: AsyncSession, exchange_id: str, account_id: str, parties: set[str], now: datetime) -> None:
    values = {"id": exchange_id, "account_id": account_id, "parties": json.dumps(sorted(parties)), "updated_at": now}
    await session.execute(insert_ignoring_duplicates(session, exchanges, ["id"], **values))


async def exchange_parties(session: AsyncSession, exchange_id: str) -> set[str] | None:
    """The exchange's parties, or None when its ExchangeAccepted has not been seen yet."""
    found = await session.scalar(select(exchanges.c.parties).where(exchanges.c.id == exchange_id))
    return None if found is None else set(json.loads(found))


async def remember_coupon(session: AsyncSession, coupon_id: str, exchange_id: str, account_id: str, expires_at: datetime, now: datetime) -> None:
    values = {"id": coupon_id, "exchange_id": exchange_id, "account_id": account_id, "status": "active", "expires_at": expires_at, "updated_at": now}
    await session.execute(insert_ignoring_duplicates(session, coupons, ["id"], **values))


async def set_coupon_status(session: AsyncSession, coupon_id: str, status: str, now: datetime, expires_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if expires_at is not None:
        values["expires_at"] = expires_at
    await session.execute(update(coupons).where(coupons.c.id == coupon_id).values(**values))


async def coupon(session: AsyncSession, coupon_id: str) -> Any:
    return (await session.execute(select(coupons).where(coupons.c.id == coupon_id))).one_or_none()


async def park(session: AsyncSession, event_id: str, exchange_id: str, sequence: int, envelope: str, now: datetime) -> None:
    values = {"event_id": event_id, "exchange_id": exchange_id, "sequence": sequence, "envelope": envelope, "parked_at": now}
    await session.execute(insert_ignoring_duplicates(session, parked_events, ["event_id"], **values))


async def unpark(session: AsyncSession, exchange_id: str) -> list[tuple[int, str]]:
    """The events parked for an exchange, in their order, removed from the park."""
    rows = (await session.execute(select(parked_events.c.sequence, parked_events.c.envelope).where(parked_events.c.exchange_id == exchange_id).order_by(parked_events.c.sequence))).all()
    await session.execute(delete(parked_events).where(parked_events.c.exchange_id == exchange_id))
    return [(r.sequence, r.envelope) for r in rows]
