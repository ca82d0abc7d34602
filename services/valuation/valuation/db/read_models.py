"""Valuation's copies of other services' data: catalog models with their TACs, and Smart Upgrade plans."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from valuation.db.tables import blocklist, market_prices, model_tacs, models, plans
from valuation.domain.device import CatalogModel
from valuation.domain.plan import Plan, Window


@dataclass(frozen=True)
class PhoneFacts:
    """What a quote reads about a phone before pricing it."""

    blocked: bool
    model: CatalogModel | None
    table_price_paise: int | None  # the built-in engine's market price for the model (None: none set)


# A quote's reads, built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_IS_BLOCKED = select(blocklist.c.imei).where(blocklist.c.imei == bindparam("imei"))
_PHONE_FACTS = (
    select(
        models.c.id, models.c.brand, models.c.name, models.c.category, models.c.exchange_eligible,
        _IS_BLOCKED.exists().label("blocked"),
        select(market_prices.c.price_paise).where(market_prices.c.model_id == models.c.id).scalar_subquery().label("price"),
    )
    .join_from(model_tacs, models, model_tacs.c.model_id == models.c.id)
    .where(model_tacs.c.tac == bindparam("tac"))
)
_LIVE_PLANS_NAMING = select(plans).where(or_(plans.c.imei == bindparam("imei"), plans.c.imei2 == bindparam("imei")), plans.c.status == "active")


async def phone_facts(session: AsyncSession, imei: str, tac: str) -> PhoneFacts:
    """Blocked?, the TAC's model and its market price, in one statement: each statement costs SQLAlchemy's
    execution path, most of a quote's CPU here (docs/performance.md), and a quote needs all three."""
    row = (await session.execute(_PHONE_FACTS, {"imei": imei, "tac": tac})).one_or_none()
    if row is None:  # no model has this TAC; whether the IMEI is blocked still answers first
        blocked = await session.scalar(_IS_BLOCKED, {"imei": imei}) is not None
        return PhoneFacts(blocked, None, None)
    return PhoneFacts(bool(row.blocked), CatalogModel(row.id, row.brand, row.name, row.category, row.exchange_eligible), row.price)


async def save_model(session: AsyncSession, model: CatalogModel, tacs: list[str], now: datetime) -> None:
    """Replace the read model's copy of a catalog model and its TACs (a TAC moved from another model moves with it)."""
    await session.execute(delete(model_tacs).where(or_(model_tacs.c.model_id == model.id, model_tacs.c.tac.in_(tacs))))
    await session.execute(delete(models).where(models.c.id == model.id))
    await session.execute(
        insert(models).values(
            id=model.id, brand=model.brand, name=model.name, category=model.category, exchange_eligible=model.exchange_eligible, updated_at=now
        )
    )
    if tacs:
        await session.execute(insert(model_tacs), [{"tac": tac, "model_id": model.id} for tac in tacs])


async def live_plans_naming(session: AsyncSession, imei: str) -> list[Plan]:
    """Live plans (any account) whose device has this IMEI as either of its IMEIs."""
    return [_plan_of(row) for row in await session.execute(_LIVE_PLANS_NAMING, {"imei": imei})]


async def add_plan(session: AsyncSession, plan: Plan) -> None:
    """Record a purchased plan once; a redelivered or late PlanPurchased never revives a closed plan."""
    if await session.scalar(select(plans.c.plan_id).where(plans.c.plan_id == plan.plan_id)) is None:
        await session.execute(
            insert(plans).values(
                plan_id=plan.plan_id,
                account_id=plan.account_id,
                model_id=plan.model_id,
                imei=plan.imei,
                imei2=plan.imei2,
                status=plan.status,
                schedule=[
                    {"starts_on": w.starts_on.isoformat(), "ends_on": w.ends_on.isoformat(), "percent": w.percent, "amount_paise": w.amount_paise}
                    for w in plan.schedule
                ],
                lapses_on=plan.lapses_on,
            )
        )


async def close_plan(session: AsyncSession, plan_id: str, status: str) -> None:
    """A plan ends once: the first closing state stays (ours at handover, or enrolment's event, whichever came first)."""
    await session.execute(update(plans).where(plans.c.plan_id == plan_id, plans.c.status == "active").values(status=status))


def _plan_of(row: Any) -> Plan:
    schedule = tuple(Window(date.fromisoformat(w["starts_on"]), date.fromisoformat(w["ends_on"]), w["percent"], w["amount_paise"]) for w in row.schedule)
    return Plan(row.plan_id, row.account_id, row.model_id, row.imei, row.imei2, row.status, schedule, row.lapses_on)
