"""Keeping valuation's copy of the catalog: models, their TACs and whether we take them in exchange."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from valuation.db import read_models
from valuation.domain.device import CatalogModel


async def model_upserted(session: AsyncSession, model: CatalogModel, tacs: list[str], now: datetime) -> None:
    """The catalog's latest word on a model replaces ours."""
    await read_models.save_model(session, model, tacs, now)
