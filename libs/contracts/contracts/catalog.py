"""Events the catalog service publishes on `catalog.events`."""

from datetime import date

from pydantic import BaseModel

from contracts.base import Event

TOPIC = "catalog.events"


class SrpPoint(BaseModel):
    effective_from: date
    srp_paise: int


class SmartUpgradeTerms(BaseModel):
    eligible: bool
    fee_paise: int | None = None


class ExchangeTerms(BaseModel):
    eligible: bool


class ModelUpserted(Event):
    """The whole model after a change, so consumers can keep a complete read model."""

    TOPIC = TOPIC
    TYPE = "catalog.ModelUpserted"

    id: str
    brand: str
    name: str
    ram_gb: int | None
    storage_gb: int | None
    category: str
    launch_date: date | None
    srp_paise: int | None
    srp_history: list[SrpPoint]
    tacs: list[str]
    smart_upgrade: SmartUpgradeTerms
    exchange: ExchangeTerms

    def aggregate_id(self) -> str:
        return self.id
