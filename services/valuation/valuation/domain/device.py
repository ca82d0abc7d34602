"""Identifying the phone behind an IMEI: its check digit, the blocklist, its model and whether we take that model. No I/O."""

from dataclasses import dataclass
from datetime import datetime

from contracts.imei import is_valid_imei
from valuation.domain.refusal import Refused


@dataclass(frozen=True)
class CatalogModel:
    """The slice of a catalog model (ModelUpserted) valuation decides with."""

    id: str
    brand: str
    name: str
    category: str
    exchange_eligible: bool


@dataclass(frozen=True)
class BlockedImei:
    """An IMEI reported lost or stolen, as ops recorded it."""

    imei: str
    reason: str
    added_by: str
    added_at: datetime


def check_imei(imei: str) -> None:
    if not is_valid_imei(imei):
        raise Refused("imei_invalid", "An IMEI is 15 digits ending in a valid Luhn check digit.")


def blocked() -> Refused:
    return Refused("imei_blocklisted", "This IMEI is reported lost or stolen.")


def check_model(model: CatalogModel | None, named_model_id: str | None) -> CatalogModel:
    """The model the IMEI's TAC identifies: known, the one the client named (if any), and on the exchange list."""
    if model is None:
        raise Refused("tac_unknown", "No model in the catalog has this IMEI's TAC.")
    if named_model_id is not None and named_model_id != model.id:
        raise Refused("imei_model_mismatch", f"This IMEI belongs to {model.id}, not {named_model_id}.")
    if not model.exchange_eligible:
        raise Refused("model_not_eligible", f"{model.name} is not on the exchange list.")
    return model
