"""HTTP shapes of the catalog API."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from catalog.domain.model import PhoneModel, SrpPoint
from servicekit.inputs import DAY_RANGE, PRINTABLE, Day
from servicekit.money import Paise

# Rs 1 crore: far above any device, and inside every integer column we store money in.
MAX_PRICE_PAISE = 1_000_000_000


class SrpPointBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"effective_from": "2026-12-01", "srp_paise": 1099900}]})

    effective_from: Day = Field(description=f"Asia/Kolkata date the SRP takes effect, {DAY_RANGE}")
    srp_paise: Paise = Field(gt=0, le=MAX_PRICE_PAISE, description="SRP in paise (Rs 9,999 = 999900)")


class SrpPointOut(BaseModel):
    effective_from: date
    srp_paise: int


class SmartUpgradeBody(BaseModel):
    eligible: bool
    fee_paise: Paise | None = Field(None, gt=0, le=MAX_PRICE_PAISE)


class ExchangeBody(BaseModel):
    eligible: bool


class ModelBody(BaseModel):
    """A whole model, as ops PUT it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"brand": "Redmi", "name": "Redmi 9 Prime 4GB/64GB", "ram_gb": 4, "storage_gb": 64, "category": "smartphone", "launch_date": "2020-08-06", "srp_history": [{"effective_from": "2020-08-06", "srp_paise": 999900}], "tacs": ["99000101"], "smart_upgrade": {"eligible": True, "fee_paise": 49900}, "exchange": {"eligible": True}}]})

    brand: str = Field(min_length=1, max_length=50, pattern=PRINTABLE)
    name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    ram_gb: int | None = Field(None, ge=0, le=4096)
    storage_gb: int | None = Field(None, ge=0, le=1_000_000)
    category: str = Field(min_length=1, max_length=50, pattern=PRINTABLE, examples=["smartphone"])
    launch_date: Day | None = Field(None, description=DAY_RANGE)
    srp_history: list[SrpPointBody] = Field(min_length=1)
    tacs: list[str] = Field(default_factory=list)
    smart_upgrade: SmartUpgradeBody = SmartUpgradeBody(eligible=False)
    exchange: ExchangeBody = ExchangeBody(eligible=False)

    def to_model(self, model_id: str) -> PhoneModel:
        return PhoneModel(
            id=model_id,
            brand=self.brand,
            name=self.name,
            category=self.category,
            ram_gb=self.ram_gb,
            storage_gb=self.storage_gb,
            launch_date=self.launch_date,
            srp_history=sorted((SrpPoint(p.effective_from, p.srp_paise) for p in self.srp_history), key=lambda p: p.effective_from),
            tacs=list(self.tacs),
            smart_upgrade_eligible=self.smart_upgrade.eligible,
            smart_upgrade_fee_paise=self.smart_upgrade.fee_paise,
            exchange_eligible=self.exchange.eligible,
        )


class ModelOut(BaseModel):
    id: str
    brand: str
    name: str
    ram_gb: int | None
    storage_gb: int | None
    category: str
    launch_date: date | None
    srp_paise: int | None = Field(description="The SRP in effect today")
    srp_history: list[SrpPointOut]
    tacs: list[str]
    smart_upgrade: SmartUpgradeBody
    exchange: ExchangeBody

    @classmethod
    def of(cls, model: PhoneModel, today: date) -> "ModelOut":
        return cls(
            id=model.id,
            brand=model.brand,
            name=model.name,
            ram_gb=model.ram_gb,
            storage_gb=model.storage_gb,
            category=model.category,
            launch_date=model.launch_date,
            srp_paise=model.srp_on(today),
            srp_history=[SrpPointOut(effective_from=p.effective_from, srp_paise=p.srp_paise) for p in model.srp_history],
            tacs=model.tacs,
            smart_upgrade=SmartUpgradeBody(eligible=model.smart_upgrade_eligible, fee_paise=model.smart_upgrade_fee_paise),
            exchange=ExchangeBody(eligible=model.exchange_eligible),
        )


class ModelPage(BaseModel):
    items: list[ModelOut]
    next_cursor: str | None


class DeviceOut(BaseModel):
    tac: str
    model: ModelOut
