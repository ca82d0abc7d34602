"""What earlier events told: whose plans, exchanges and coupons these are, each subject's sequence, parked events."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notification.db.dialect import by_dialect, ignoring_duplicates
from notification.db.tables import coupons, exchanges, parked_events, plans, subject_sequences

# The statements every consumed event runs, built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_NEXT_SEQUENCE = by_dialect(
    lambda insert: (
        insert(subject_sequences)
        .on_conflict_do_update(index_elements=["subject"], set_={"last_sequence": subject_sequences.c.last_sequence + 1})
        .returning(subject_sequences.c.last_sequence)
    )
)
_REMEMBER_PLAN = ignoring_duplicates(plans, ["id"])
_SET_PLAN_STATUS = (
    update(plans).where(plans.c.id == bindparam("plan_id")).values(status=bindparam("status"), updated_at=bindparam("updated_at"))
)
_PLAN = select(plans).where(plans.c.id == bindparam("plan_id"))
_REMEMBER_EXCHANGE = ignoring_duplicates(exchanges, ["id"])
_EXCHANGE_PARTIES = select(exchanges.c.parties).where(exchanges.c.id == bindparam("exchange_id"))
_REMEMBER_COUPON = ignoring_duplicates(coupons, ["id"])
_SET_COUPON_STATUS = (
    update(coupons).where(coupons.c.id == bindparam("coupon_id")).values(status=bindparam("status"), updated_at=bindparam("updated_at"))
)
_SET_COUPON_STATUS_AND_EXPIRY = _SET_COUPON_STATUS.values(expires_at=bindparam("expires_at"))
_PARK = ignoring_duplicates(parked_events, ["event_id"])
_PARKED = (
    select(parked_events.c.sequence, parked_events.c.envelope)
    .where(parked_events.c.exchange_id == bindparam("exchange_id"))
    .order_by(parked_events.c.sequence)
)
_UNPARK = delete(parked_events).where(parked_events.c.exchange_id == bindparam("exchange_id"))


async def next_sequence(session: AsyncSession, subject: str) -> int:
    """1, 2, 3 … per subject, in the order this service consumed its events."""
    # One statement per event (this runs for every event consumed): insert 1, or add 1 to what is there.
    return int(await session.scalar(_NEXT_SEQUENCE.of(session), {"subject": subject, "last_sequence": 1}))


async def remember_plan(session: AsyncSession, plan_id: str, account_id: str, store_id: str, now: datetime) -> None:
    values = {"id": plan_id, "account_id": account_id, "store_id": store_id, "status": "active", "updated_at": now}
    await session.execute(_REMEMBER_PLAN.of(session), values)


async def set_plan_status(session: AsyncSession, plan_id: str, status: str, now: datetime) -> None:
    await session.execute(_SET_PLAN_STATUS, {"plan_id": plan_id, "status": status, "updated_at": now})


async def plan(session: AsyncSession, plan_id: str) -> Any:
    return (await session.execute(_PLAN, {"plan_id": plan_id})).one_or_none()


async def remember_exchange(session: AsyncSession, exchange_id: str, account_id: str, parties: set[str], now: datetime) -> None:
    values = {"id": exchange_id, "account_id": account_id, "parties": json.dumps(sorted(parties)), "updated_at": now}
    await session.execute(_REMEMBER_EXCHANGE.of(session), values)


async def exchange_parties(session: AsyncSession, exchange_id: str) -> set[str] | None:
    """The exchange's parties, or None when its ExchangeAccepted has not been seen yet."""
    found = await session.scalar(_EXCHANGE_PARTIES, {"exchange_id": exchange_id})
    return None if found is None else set(json.loads(found))


async def remember_coupon(session: AsyncSession, coupon_id: str, exchange_id: str, account_id: str, expires_at: datetime, now: datetime) -> None:
    values = {"id": coupon_id, "exchange_id": exchange_id, "account_id": account_id, "status": "active", "expires_at": expires_at, "updated_at": now}
    await session.execute(_REMEMBER_COUPON.of(session), values)


async def set_coupon_status(session: AsyncSession, coupon_id: str, status: str, now: datetime, expires_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"coupon_id": coupon_id, "status": status, "updated_at": now}
    if expires_at is None:
        await session.execute(_SET_COUPON_STATUS, values)
    else:
        await session.execute(_SET_COUPON_STATUS_AND_EXPIRY, values | {"expires_at": expires_at})


async def coupon(session: AsyncSession, coupon_id: str) -> Any:
    return (await session.execute(select(coupons).where(coupons.c.id == coupon_id))).one_or_none()


async def park(session: AsyncSession, event_id: str, exchange_id: str, sequence: int, envelope: str, now: datetime) -> None:
    values = {"event_id": event_id, "exchange_id": exchange_id, "sequence": sequence, "envelope": envelope, "parked_at": now}
    await session.execute(_PARK.of(session), values)


async def unpark(session: AsyncSession, exchange_id: str) -> list[tuple[int, str]]:
    """The events parked for an exchange, in their order, removed from the park."""
    rows = (await session.execute(_PARKED, {"exchange_id": exchange_id})).all()
    await session.execute(_UNPARK, {"exchange_id": exchange_id})
    return [(r.sequence, r.envelope) for r in rows]
