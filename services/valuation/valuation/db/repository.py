"""Lean Core queries over valuation's tables; rows come back as SQLAlchemy Row objects."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from valuation.db.tables import blocklist, exchanges, model_tacs, models, plans, quotes
from valuation.domain.exchange import OPEN
from valuation.domain.pricing import Window


async def model_by_tac(session: AsyncSession, tac: str):  # type: ignore[no-untyped-def]
    query = select(models).join(model_tacs, model_tacs.c.model_id == models.c.id).where(model_tacs.c.tac == tac)
    return (await session.execute(query)).one_or_none()


async def blocklisted(session: AsyncSession, imei: str) -> bool:
    return await session.scalar(select(blocklist.c.imei).where(blocklist.c.imei == imei)) is not None


async def active_plans_for(session: AsyncSession, imei: str, account_id: str) -> list:
    """Active plans of this account that name this IMEI as either of the device's IMEIs."""
    query = select(plans).where(
        or_(plans.c.imei == imei, plans.c.imei2 == imei), plans.c.account_id == account_id, plans.c.status == "active"
    )
    return list(await session.execute(query))


async def live_plans_naming(session: AsyncSession, imei: str) -> list:
    """Live plans (any account) whose device has this IMEI as either of its IMEIs.

    The read model keeps a plan `active` from PlanPurchased until PlanCancelled, PlanRedeemed or
    PlanLapsed, so a plan whose exchange is in progress (enrolment's `buyback_in_progress`) is live.
    """
    query = select(plans).where(or_(plans.c.imei == imei, plans.c.imei2 == imei), plans.c.status == "active")
    return list(await session.execute(query))


async def get_plan(session: AsyncSession, plan_id: str):  # type: ignore[no-untyped-def]
    return (await session.execute(select(plans).where(plans.c.plan_id == plan_id))).one_or_none()


async def get_quote(session: AsyncSession, quote_id: str, lock: bool = False):  # type: ignore[no-untyped-def]
    query = select(quotes).where(quotes.c.id == quote_id)
    return (await session.execute(query.with_for_update() if lock else query)).one_or_none()


async def add_quote(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(quotes).values(**values))


async def mark_quote_accepted(session: AsyncSession, quote_id: str) -> None:
    await session.execute(update(quotes).where(quotes.c.id == quote_id).values(status="accepted"))


async def get_exchange(session: AsyncSession, exchange_id: str, lock: bool = False):  # type: ignore[no-untyped-def]
    query = select(exchanges).where(exchanges.c.id == exchange_id)
    return (await session.execute(query.with_for_update() if lock else query)).one_or_none()


async def open_exchange_of_account(session: AsyncSession, account_id: str):  # type: ignore[no-untyped-def]
    return await session.scalar(select(exchanges.c.id).where(exchanges.c.open_account_id == account_id).limit(1))


async def open_exchanges_on(session: AsyncSession, imeis: list[str]) -> list:
    """The open exchanges holding any of these IMEIs, row-locked (PostgreSQL) in id order.

    A racer that closed one of them first makes PostgreSQL re-check `open_imei` after the lock
    wait, so a row it released is not returned.
    """
    query = select(exchanges).where(exchanges.c.open_imei.in_(imeis)).order_by(exchanges.c.id).with_for_update()
    return list(await session.execute(query))


async def supersede_exchange(session: AsyncSession, exchange_id: str, from_status: str, to_status: str, by: str, now: datetime) -> bool:
    """Close an open exchange as superseded (it gives up its account/IMEI hold); False if it moved meanwhile."""
    result = await session.execute(
        update(exchanges)
        .where(exchanges.c.id == exchange_id, exchanges.c.status == from_status)
        .values(status=to_status, cancel_reason="superseded", superseded_by=by, open_account_id=None, open_imei=None, updated_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def add_exchange(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(exchanges).values(open_account_id=values["account_id"], open_imei=values["imei"], **values))


async def move_exchange(session: AsyncSession, exchange_id: str, status: str, now: datetime, **values: Any) -> None:
    """Change state; a closed exchange releases its hold on the account and the IMEI."""
    if status not in OPEN:
        values |= {"open_account_id": None, "open_imei": None}
    await session.execute(update(exchanges).where(exchanges.c.id == exchange_id).values(status=status, updated_at=now, **values))


async def exchanges_of(session: AsyncSession, account_id: str, after: tuple[datetime, str] | None, limit: int) -> list:
    """Up to `limit` of an account's exchanges, newest first, after the given (created_at, id) sort key."""
    query = select(exchanges).where(exchanges.c.account_id == account_id)
    if after is not None:
        at, last_id = after
        query = query.where(or_(exchanges.c.created_at < at, and_(exchanges.c.created_at == at, exchanges.c.id < last_id)))
    return list(await session.execute(query.order_by(exchanges.c.created_at.desc(), exchanges.c.id.desc()).limit(limit)))


async def upsert_model(session: AsyncSession, model_id: str, values: dict[str, Any], tacs: list[str]) -> None:
    """Replace the read model's copy of a catalog model and its TACs."""
    await session.execute(delete(model_tacs).where(or_(model_tacs.c.model_id == model_id, model_tacs.c.tac.in_(tacs))))
    await session.execute(delete(models).where(models.c.id == model_id))
    await session.execute(insert(models).values(id=model_id, **values))
    if tacs:
        await session.execute(insert(model_tacs), [{"tac": tac, "model_id": model_id} for tac in tacs])


async def add_plan(session: AsyncSession, plan_id: str, **values: Any) -> None:
    """Record a purchased plan once; a redelivered or late PlanPurchased never revives a closed plan."""
    if await session.scalar(select(plans.c.plan_id).where(plans.c.plan_id == plan_id)) is None:
        await session.execute(insert(plans).values(plan_id=plan_id, status="active", **values))


async def close_plan(session: AsyncSession, plan_id: str, status: str) -> None:
    await session.execute(update(plans).where(plans.c.plan_id == plan_id).values(status=status))


def schedule_json(windows: list) -> list[dict[str, Any]]:
    return [
        {"starts_on": w.starts_on.isoformat(), "ends_on": w.ends_on.isoformat(), "percent": w.percent, "amount_paise": w.amount_paise}
        for w in windows
    ]


def schedule_from_json(raw: list[dict[str, Any]]) -> list[Window]:
    return [Window(date.fromisoformat(w["starts_on"]), date.fromisoformat(w["ends_on"]), w["percent"], w["amount_paise"]) for w in raw]
