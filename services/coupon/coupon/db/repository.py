"""Coupons and redemptions in and out of the database; every state change is a conditional UPDATE."""

import functools
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, Result, Row, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from coupon.db.tables import coupons, exchange_cancellations, redemptions
from coupon.domain.coupon import ACTIVE, EXPIRED, REDEEMED, VOID, Coupon, Redemption


def _changed_one_row(result: Result[Any]) -> bool:
    """Whether a conditional UPDATE or INSERT took effect (rowcount is on the cursor result of DML)."""
    return cast(CursorResult[Any], result).rowcount == 1


def _coupon(row: Row[Any]) -> Coupon:
    return Coupon(
        id=row.id,
        code=row.code,
        exchange_id=row.exchange_id,
        account_id=row.account_id,
        amount_paise=row.amount_paise,
        status=row.status,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        void_reason=row.void_reason,
        exchange_cancelled_reason=row.exchange_cancelled_reason,
    )


def _redemption(row: Row[Any]) -> Redemption:
    return Redemption(**{field: getattr(row, field) for field in Redemption.__dataclass_fields__})


# Built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_BY_CODE = select(coupons).where(coupons.c.code == bindparam("code"))
_BY_CODE_WITH_HOLD = select(
    coupons, select(redemptions.c.id).where(redemptions.c.live_coupon_id == coupons.c.id).exists().label("held")
).where(coupons.c.code == bindparam("code"))
_EXCHANGE_CANCELLED_REASON = select(exchange_cancellations.c.reason).where(exchange_cancellations.c.exchange_id == bindparam("exchange_id"))
_OF_ACCOUNT = (
    select(coupons)
    .where(coupons.c.account_id == bindparam("account_id"))
    .order_by(coupons.c.issued_at.desc(), coupons.c.id.desc())
    .limit(bindparam("limit", type_=Integer))
)
_OF_ACCOUNT_BEFORE = (
    select(coupons)
    .where(coupons.c.account_id == bindparam("account_id"))
    .where(
        (coupons.c.issued_at < bindparam("issued_at"))
        | ((coupons.c.issued_at == bindparam("issued_at")) & (coupons.c.id < bindparam("coupon_id")))
    )
    .order_by(coupons.c.issued_at.desc(), coupons.c.id.desc())
    .limit(bindparam("limit", type_=Integer))
)
_CLAIM_FOR_ORDER = (
    update(coupons)
    .where(coupons.c.id == bindparam("coupon_id"), coupons.c.status == ACTIVE, coupons.c.expires_at > bindparam("now"))
    .values(status=REDEEMED, updated_at=bindparam("now"))
)
_ADD_REDEMPTION = insert(redemptions)
_LIVE_REDEMPTION = select(redemptions).where(redemptions.c.live_coupon_id == bindparam("coupon_id"))
_LIVE_REDEMPTIONS = select(redemptions).where(redemptions.c.live_coupon_id.in_(bindparam("coupon_ids", expanding=True)))


@functools.cache
def _insert_once(dialect: str) -> Any:
    """The coupon's INSERT … ON CONFLICT (exchange_id) DO NOTHING, built once per dialect."""
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return make_insert(coupons).on_conflict_do_nothing(index_elements=["exchange_id"])


async def insert_once(session: AsyncSession, coupon: Coupon, now: datetime) -> bool:
    """Insert the coupon unless its exchange already has one (the unique exchange_id decides); True if inserted."""
    values = {field: getattr(coupon, field) for field in Coupon.__dataclass_fields__} | {"updated_at": now}
    result = await session.execute(_insert_once(session.get_bind().dialect.name), values)
    return _changed_one_row(result)


async def by_code(session: AsyncSession, code: str) -> Coupon | None:
    row = (await session.execute(_BY_CODE, {"code": code})).one_or_none()
    return _coupon(row) if row else None


async def by_code_with_hold(session: AsyncSession, code: str) -> tuple[Coupon, bool] | None:
    """The coupon, and whether a live redemption holds it, in one statement (a redemption's first read:
    each statement costs SQLAlchemy's execution path, docs/performance.md)."""
    row = (await session.execute(_BY_CODE_WITH_HOLD, {"code": code})).one_or_none()
    return (_coupon(row), bool(row.held)) if row else None


async def by_exchange(session: AsyncSession, exchange_id: str, lock: bool = False) -> Coupon | None:
    """The exchange's coupon; `lock` holds its row (PostgreSQL) so no redemption or release changes it until commit."""
    query = select(coupons).where(coupons.c.exchange_id == exchange_id)
    row = (await session.execute(query.with_for_update() if lock else query)).one_or_none()
    return _coupon(row) if row else None


async def remember_exchange_cancelled(session: AsyncSession, exchange_id: str, reason: str, now: datetime) -> None:
    """Note a cancellation that came before the coupon, once (the first reason stands)."""
    dialect = session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make_insert(exchange_cancellations).values(exchange_id=exchange_id, reason=reason, at=now)
    await session.execute(statement.on_conflict_do_nothing(index_elements=["exchange_id"]))


async def exchange_cancelled_reason(session: AsyncSession, exchange_id: str) -> str | None:
    return await session.scalar(_EXCHANGE_CANCELLED_REASON, {"exchange_id": exchange_id})


async def of_account(session: AsyncSession, account_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Coupon]:
    """An account's coupons, newest first."""
    if before is None:
        rows = await session.execute(_OF_ACCOUNT, {"account_id": account_id, "limit": limit})
    else:
        issued_at, coupon_id = before
        rows = await session.execute(
            _OF_ACCOUNT_BEFORE, {"account_id": account_id, "issued_at": issued_at, "coupon_id": coupon_id, "limit": limit}
        )
    return [_coupon(row) for row in rows]


async def claim_for_order(session: AsyncSession, coupon_id: str, now: datetime) -> bool:
    """Take an active, unexpired coupon for an order. Exactly one of any number of racers sees True.

    On PostgreSQL a racer blocks on the row lock and re-checks the WHERE clause after the winner
    commits; on SQLite write transactions are serialised (BEGIN IMMEDIATE). Either way the loser
    updates nothing, with no SELECT ... FOR UPDATE involved.
    """
    result = await session.execute(_CLAIM_FOR_ORDER, {"coupon_id": coupon_id, "now": now})
    return _changed_one_row(result)


async def add_redemption(session: AsyncSession, redemption: Redemption) -> None:
    values = {field: getattr(redemption, field) for field in Redemption.__dataclass_fields__}
    await session.execute(_ADD_REDEMPTION, values | {"live_coupon_id": redemption.coupon_id})


async def live_redemption(session: AsyncSession, coupon_id: str) -> Redemption | None:
    row = (await session.execute(_LIVE_REDEMPTION, {"coupon_id": coupon_id})).one_or_none()
    return _redemption(row) if row else None


async def redemption(session: AsyncSession, coupon_id: str, redemption_id: str) -> Redemption | None:
    query = select(redemptions).where(redemptions.c.id == redemption_id, redemptions.c.coupon_id == coupon_id)
    row = (await session.execute(query)).one_or_none()
    return _redemption(row) if row else None


async def release(session: AsyncSession, redemption_id: str, actor: str, now: datetime) -> bool:
    """Mark a live redemption released; False if it already was (so a retry changes nothing)."""
    result = await session.execute(
        update(redemptions)
        .where(redemptions.c.id == redemption_id, redemptions.c.released_at.is_(None))
        .values(released_at=now, released_by=actor, live_coupon_id=None)
    )
    return _changed_one_row(result)


async def void(session: AsyncSession, coupon_id: str, from_status: str, reason: str, now: datetime) -> bool:
    result = await session.execute(
        update(coupons).where(coupons.c.id == coupon_id, coupons.c.status == from_status).values(status=VOID, void_reason=reason, updated_at=now)
    )
    return _changed_one_row(result)


async def due_for_expiry(session: AsyncSession, now: datetime, limit: int) -> list[Coupon]:
    query = select(coupons).where(coupons.c.status == ACTIVE, coupons.c.expires_at <= now).order_by(coupons.c.expires_at).limit(limit)
    return [_coupon(row) for row in await session.execute(query)]


async def expire(session: AsyncSession, coupon_id: str, now: datetime) -> bool:
    """Expire one coupon if it is still active and due; False if another sweep or a redemption got there first."""
    result = await session.execute(
        update(coupons)
        .where(coupons.c.id == coupon_id, coupons.c.status == ACTIVE, coupons.c.expires_at <= now)
        .values(status=EXPIRED, updated_at=now)
    )
    return _changed_one_row(result)


async def live_redemptions(session: AsyncSession, coupon_ids: list[str]) -> dict[str, Redemption]:
    """The redemption holding each of these coupons, where one does."""
    if not coupon_ids:
        return {}
    rows = await session.execute(_LIVE_REDEMPTIONS, {"coupon_ids": coupon_ids})
    return {row.coupon_id: _redemption(row) for row in rows}


async def reopen_unless_exchange_cancelled(session: AsyncSession, coupon_id: str, expires_at: datetime, now: datetime) -> bool:
    """A released coupon becomes active again with its extended expiry, unless its exchange was cancelled meanwhile."""
    result = await session.execute(
        update(coupons)
        .where(coupons.c.id == coupon_id, coupons.c.status == REDEEMED, coupons.c.exchange_cancelled_reason.is_(None))
        .values(status=ACTIVE, expires_at=expires_at, updated_at=now)
    )
    return _changed_one_row(result)


async def note_exchange_cancelled_while_held(session: AsyncSession, coupon_id: str, reason: str, now: datetime) -> bool:
    """Remember that the exchange ended while an order holds the coupon, so its release voids it."""
    result = await session.execute(
        update(coupons).where(coupons.c.id == coupon_id, coupons.c.status == REDEEMED).values(exchange_cancelled_reason=reason, updated_at=now)
    )
    return _changed_one_row(result)
