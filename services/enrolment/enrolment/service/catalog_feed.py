"""Keeping the read model of the catalog: what a plan sale needs, fed by ModelUpserted."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from enrolment.db import repository
from enrolment.domain.catalog import CatalogModel, SrpPoint


def model_from(event: ModelUpserted) -> CatalogModel:
    return CatalogModel(
        id=event.id,
        brand=event.brand,
        name=event.name,
        category=event.category,
        smart_upgrade_eligible=event.smart_upgrade.eligible,
        fee_paise=event.smart_upgrade.fee_paise,
        srp_history=tuple(SrpPoint(p.effective_from, p.srp_paise) for p in event.srp_history),
        tacs=frozenset(event.tacs),
    )


async def model_upserted(session: AsyncSession, event: ModelUpserted, now: datetime) -> None:
    """Replace our copy of the model; each event carries the whole model, in order per model."""
    await repository.save_catalog_model(session, model_from(event), now)
