"""Mapping catalog models to the ModelUpserted contract."""

from catalog.domain.model import PhoneModel
from contracts.catalog import ExchangeTerms, ModelUpserted, SmartUpgradeTerms, SrpPoint


def model_upserted(model: PhoneModel, current_srp_paise: int | None) -> ModelUpserted:
    """The whole model, so consumers can replace their copy outright."""
    return ModelUpserted(
        id=model.id,
        brand=model.brand,
        name=model.name,
        ram_gb=model.ram_gb,
        storage_gb=model.storage_gb,
        category=model.category,
        launch_date=model.launch_date,
        srp_paise=current_srp_paise,
        srp_history=[SrpPoint(effective_from=p.effective_from, srp_paise=p.srp_paise) for p in model.srp_history],
        tacs=list(model.tacs),
        smart_upgrade=SmartUpgradeTerms(eligible=model.smart_upgrade_eligible, fee_paise=model.smart_upgrade_fee_paise),
        exchange=ExchangeTerms(eligible=model.exchange_eligible),
    )
