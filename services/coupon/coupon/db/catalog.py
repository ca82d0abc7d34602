"""The coupon service's read model of the catalog: each model's brand and category."""

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from coupon.db.tables import catalog_models
from coupon.domain.coupon import CatalogEntry


async def upsert(session: AsyncSession, model_id: str, brand: str, category: str, name: str, now: datetime) -> None:
    """Replace what we know about a model (ModelUpserted always carries the whole model)."""
    await session.execute(delete(catalog_models).where(catalog_models.c.id == model_id))
    await session.execute(insert(catalog_models).values(id=model_id, brand=brand, category=category, name=name, updated_at=now))


# Built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_ENTRIES = select(catalog_models).where(catalog_models.c.id.in_(bindparam("model_ids", expanding=True)))


async def entries(session: AsyncSession, model_ids: set[str]) -> dict[str, CatalogEntry]:
    if not model_ids:
        return {}
    rows = await session.execute(_ENTRIES, {"model_ids": list(model_ids)})
    return {row.id: CatalogEntry(row.id, row.brand, row.category) for row in rows}
