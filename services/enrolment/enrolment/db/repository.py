"""Loading and saving plans and the catalog read model with lean Core queries."""

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from enrolment.db.tables import catalog_models, live_devices, plans
from enrolment.domain.catalog import CatalogModel, SrpPoint
from enrolment.domain.plan import Plan, PlanStatus
from enrolment.domain.schedule import BuybackSchedule, Window


class DeviceTaken(Exception):
    """Another live plan already holds one of these IMEIs."""


async def save_catalog_model(session: AsyncSession, model: CatalogModel, now: datetime) -> None:
    """Replace our copy of a model with the one the catalog just published."""
    await session.execute(delete(catalog_models).where(catalog_models.c.id == model.id))
    await session.execute(
        insert(catalog_models).values(
            id=model.id,
            brand=model.brand,
            name=model.name,
            category=model.category,
            smart_upgrade_eligible=model.smart_upgrade_eligible,
            fee_paise=model.fee_paise,
            srp_history=[{"effective_from": p.effective_from.isoformat(), "srp_paise": p.srp_paise} for p in model.srp_history],
            tacs=sorted(model.tacs),
            updated_at=now,
        )
    )


async def get_catalog_model(session: AsyncSession, model_id: str) -> CatalogModel | None:
    row = (await session.execute(select(catalog_models).where(catalog_models.c.id == model_id))).one_or_none()
    return _catalog_model_of(row) if row is not None else None


# Built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_MODEL_AND_HOLDER = select(
    catalog_models,
    select(live_devices.c.plan_id)
    .where(live_devices.c.imei.in_(bindparam("imeis", expanding=True)))
    .limit(1)
    .scalar_subquery()
    .label("holding_plan_id"),
).where(catalog_models.c.id == bindparam("model_id"))
_ADD_PLAN = insert(plans)
_ADD_LIVE_DEVICE = insert(live_devices)


async def model_and_holder(session: AsyncSession, model_id: str, imeis: list[str]) -> tuple[CatalogModel | None, str | None]:
    """A sale's two reads in one statement: the model sold, and the live plan holding any of the IMEIs (if the model
    is known). Each statement costs SQLAlchemy's execution path, most of a sale's CPU (docs/performance.md)."""
    row = (await session.execute(_MODEL_AND_HOLDER, {"model_id": model_id, "imeis": imeis})).one_or_none()
    return (_catalog_model_of(row), row.holding_plan_id) if row is not None else (None, None)


def _catalog_model_of(row: Any) -> CatalogModel:
    return CatalogModel(
        id=row.id,
        brand=row.brand,
        name=row.name,
        category=row.category,
        smart_upgrade_eligible=row.smart_upgrade_eligible,
        fee_paise=row.fee_paise,
        srp_history=tuple(SrpPoint(date.fromisoformat(p["effective_from"]), p["srp_paise"]) for p in row.srp_history),
        tacs=frozenset(row.tacs),
    )


async def add_plan(session: AsyncSession, plan: Plan) -> None:
    """Insert a new plan and claim its IMEIs; DeviceTaken if a concurrent sale claimed one first."""
    await session.execute(_ADD_PLAN, {**_row_of(plan), "updated_at": plan.purchased_at})
    try:
        await session.execute(_ADD_LIVE_DEVICE, [{"imei": imei, "plan_id": plan.id} for imei in plan.imeis()])
    except IntegrityError as exc:
        raise DeviceTaken() from exc


# Built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_RELEASE_DEVICES = delete(live_devices).where(live_devices.c.plan_id == bindparam("plan_id"))
_PLAN = select(plans).where(plans.c.id == bindparam("plan_id"))
_MOVE = update(plans).where(plans.c.id == bindparam("the_id"), plans.c.status.in_(bindparam("from_statuses", expanding=True)))
_MOVE_HELD = _MOVE.where(plans.c.exchange_id == bindparam("held_by"))
_HOLD_FOR_EXCHANGE = (
    update(plans)
    .where(
        plans.c.id == bindparam("the_id"),
        or_(
            plans.c.status == PlanStatus.ACTIVE.value,
            and_(
                plans.c.status == PlanStatus.BUYBACK_IN_PROGRESS.value,
                plans.c.exchange_id != bindparam("the_exchange_id"),
                or_(plans.c.exchange_accepted_at.is_(None), plans.c.exchange_accepted_at < bindparam("the_accepted_at")),
            ),
        ),
    )
    .values(
        updated_at=bindparam("now"),
        status=PlanStatus.BUYBACK_IN_PROGRESS.value,
        exchange_id=bindparam("the_exchange_id"),
        exchange_accepted_at=bindparam("the_accepted_at"),
    )
)


async def release_devices(session: AsyncSession, plan_id: str) -> None:
    """The plan is no longer live: its IMEIs may be enrolled again."""
    await session.execute(_RELEASE_DEVICES, {"plan_id": plan_id})


async def get_plan(session: AsyncSession, plan_id: str) -> Plan | None:
    row = (await session.execute(_PLAN, {"plan_id": plan_id})).one_or_none()
    return _plan_of(row) if row is not None else None


async def plans_of_account(session: AsyncSession, account_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Plan]:
    """The account's plans, newest first, after the given (purchased_at, id) sort key."""
    query = select(plans).where(plans.c.account_id == account_id)
    if after is not None:
        moment, plan_id = after
        query = query.where(or_(plans.c.purchased_at < moment, and_(plans.c.purchased_at == moment, plans.c.id < plan_id)))
    rows = await session.execute(query.order_by(plans.c.purchased_at.desc(), plans.c.id.desc()).limit(limit))
    return [_plan_of(row) for row in rows]


async def move(
    session: AsyncSession, plan_id: str, from_statuses: set[PlanStatus], now: datetime, held_by: str | None = None, **values: Any
) -> bool:
    """Change a plan only if it is still in one of `from_statuses` (and, with `held_by`, still held by
    that exchange); False if another writer got there first.

    The condition in the UPDATE, not a prior read, decides: that is what keeps replicas and
    concurrent requests from applying the same change twice, or undoing a newer exchange's hold.
    """
    # _MOVE has no .values(): it sets the parameters named after columns (the WHERE's names are none of them).
    params = {"the_id": plan_id, "from_statuses": [s.value for s in from_statuses], "updated_at": now}
    params.update({k: (v.value if isinstance(v, PlanStatus) else v) for k, v in values.items()})
    if held_by is not None:
        params["held_by"] = held_by
    result = cast(CursorResult, await session.execute(_MOVE if held_by is None else _MOVE_HELD, params))
    return result.rowcount == 1


async def hold_for_exchange(session: AsyncSession, plan_id: str, exchange_id: str, accepted_at: datetime, now: datetime) -> bool:
    """Let this exchange hold the plan: an active plan, or one held by an exchange accepted before it.

    Valuation allows one open exchange per account and IMEI, so an exchange accepted later than the
    one holding the plan means that one has ended, whether or not its ExchangeCancelled has arrived
    (events of different exchanges are on different partitions). Comparing acceptance times rather
    than arrival order means a late ExchangeAccepted of the older exchange cannot take the plan back.
    """
    params = {"the_id": plan_id, "the_exchange_id": exchange_id, "the_accepted_at": accepted_at, "now": now}
    result = cast(CursorResult, await session.execute(_HOLD_FOR_EXCHANGE, params))
    return result.rowcount == 1


async def due_to_lapse(session: AsyncSession, today: date, limit: int) -> list[str]:
    """Active plans whose last window ended before today."""
    rows = await session.scalars(
        select(plans.c.id).where(plans.c.status == PlanStatus.ACTIVE.value, plans.c.lapses_on <= today).order_by(plans.c.lapses_on, plans.c.id).limit(limit)
    )
    return list(rows)


def _row_of(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "status": plan.status.value,
        "account_id": plan.account_id,
        "store_id": plan.store_id,
        "sold_by": plan.sold_by,
        "model_id": plan.model_id,
        "imei": plan.imei,
        "imei2": plan.imei2,
        "invoice_number": plan.invoice_number,
        "invoice_date": plan.invoice_date,
        "customer_phone": plan.customer_phone,
        "srp_paise": plan.srp_paise,
        "fee_paise": plan.fee_paise,
        "schedule": [
            {"starts_on": w.starts_on.isoformat(), "ends_on": w.ends_on.isoformat(), "percent": w.percent, "amount_paise": w.amount_paise}
            for w in plan.schedule.windows
        ],
        "lapses_on": plan.lapses_on,
        "purchased_at": plan.purchased_at,
    }


def _plan_of(row: Any) -> Plan:
    windows = tuple(
        Window(date.fromisoformat(w["starts_on"]), date.fromisoformat(w["ends_on"]), w["percent"], w["amount_paise"]) for w in row.schedule
    )
    return Plan(
        id=row.id,
        status=PlanStatus(row.status),
        account_id=row.account_id,
        store_id=row.store_id,
        sold_by=row.sold_by,
        model_id=row.model_id,
        imei=row.imei,
        imei2=row.imei2,
        invoice_number=row.invoice_number,
        invoice_date=row.invoice_date,
        customer_phone=row.customer_phone,
        srp_paise=row.srp_paise,
        fee_paise=row.fee_paise,
        schedule=BuybackSchedule(row.invoice_date, row.srp_paise, windows),
        purchased_at=row.purchased_at,
        exchange_id=row.exchange_id,
        refund_paise=row.refund_paise,
        cancelled_at=row.cancelled_at,
        redeemed_at=row.redeemed_at,
        traded_in_at=row.traded_in_at,
        lapsed_on=row.lapsed_on,
    )
