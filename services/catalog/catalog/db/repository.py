"""Loading and saving PhoneModels with lean Core queries."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db.tables import models, srp_points, tacs
from catalog.domain.model import PhoneModel, SrpPoint


async def load_all(session: AsyncSession) -> list[PhoneModel]:
    """Every model with its prices and TACs, in id order (three queries, whatever the size)."""
    prices: dict[str, list[SrpPoint]] = defaultdict(list)
    for row in await session.execute(select(srp_points).order_by(srp_points.c.model_id, srp_points.c.effective_from)):
        prices[row.model_id].append(SrpPoint(row.effective_from, row.srp_paise))
    codes: dict[str, list[str]] = defaultdict(list)
    for row in await session.execute(select(tacs).order_by(tacs.c.tac)):
        codes[row.model_id].append(row.tac)
    rows = await session.execute(select(models).order_by(models.c.id))
    return [_from_row(row, prices[row.id], codes[row.id]) for row in rows]


async def get(session: AsyncSession, model_id: str) -> PhoneModel | None:
    row = (await session.execute(select(models).where(models.c.id == model_id))).one_or_none()
    if row is None:
        return None
    price_rows = await session.execute(select(srp_points).where(srp_points.c.model_id == model_id).order_by(srp_points.c.effective_from))
    tac_rows = await session.scalars(select(tacs.c.tac).where(tacs.c.model_id == model_id).order_by(tacs.c.tac))
    return _from_row(row, [SrpPoint(p.effective_from, p.srp_paise) for p in price_rows], list(tac_rows))


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(models))


async def owners_of(session: AsyncSession, codes: list[str]) -> dict[str, str]:
    """TAC → model id, for the given TACs that are already taken."""
    if not codes:
        return {}
    return {row.tac: row.model_id for row in await session.execute(select(tacs).where(tacs.c.tac.in_(codes)))}


async def save(session: AsyncSession, model: PhoneModel, now: datetime) -> None:
    """Replace the model's row, prices and TACs with the given ones."""
    await session.execute(delete(srp_points).where(srp_points.c.model_id == model.id))
    await session.execute(delete(tacs).where(tacs.c.model_id == model.id))
    await session.execute(delete(models).where(models.c.id == model.id))
    await session.execute(
        insert(models).values(
            id=model.id,
            brand=model.brand,
            name=model.name,
            category=model.category,
            ram_gb=model.ram_gb,
            storage_gb=model.storage_gb,
            launch_date=model.launch_date,
            smart_upgrade_eligible=model.smart_upgrade_eligible,
            smart_upgrade_fee_paise=model.smart_upgrade_fee_paise,
            exchange_eligible=model.exchange_eligible,
            updated_at=now,
        )
    )
    if model.srp_history:
        await session.execute(insert(srp_points), [{"model_id": model.id, "effective_from": p.effective_from, "srp_paise": p.srp_paise} for p in model.srp_history])
    if model.tacs:
        await session.execute(insert(tacs), [{"tac": tac, "model_id": model.id} for tac in model.tacs])


def _from_row(row: Row[Any], prices: list[SrpPoint], codes: list[str]) -> PhoneModel:
    return PhoneModel(
        id=row.id,
        brand=row.brand,
        name=row.name,
        category=row.category,
        ram_gb=row.ram_gb,
        storage_gb=row.storage_gb,
        launch_date=row.launch_date,
        srp_history=prices,
        tacs=codes,
        smart_upgrade_eligible=row.smart_upgrade_eligible,
        smart_upgrade_fee_paise=row.smart_upgrade_fee_paise,
        exchange_eligible=row.exchange_eligible,
    )
