"""Reads: filtered model lists, one model, and device identification, served from the CatalogView."""

from dataclasses import dataclass
from itertools import islice
from typing import Literal

from catalog.domain.model import PhoneModel
from catalog.service.view import CatalogView
from contracts.imei import is_valid_imei, tac_of
from servicekit.refusals import Refused

Program = Literal["smart_upgrade", "exchange"]


@dataclass(frozen=True)
class ModelFilter:
    program: Program | None = None
    brand: str | None = None
    category: str | None = None
    q: str | None = None

    def admits(self, model: PhoneModel) -> bool:
        if self.program == "smart_upgrade" and not model.smart_upgrade_eligible:
            return False
        if self.program == "exchange" and not model.exchange_eligible:
            return False
        if self.brand and model.brand.lower() != self.brand.lower():
            return False
        if self.category and model.category != self.category:
            return False
        if self.q:
            needle = self.q.lower()
            return needle in model.name.lower() or needle in model.id or needle in model.brand.lower()
        return True


async def list_models(view: CatalogView, wanted: ModelFilter, after_id: str | None, limit: int) -> list[PhoneModel]:
    """Up to `limit` matching models in id order, after the given id."""
    matching = (m for m in await view.models() if (after_id is None or m.id > after_id) and wanted.admits(m))
    return list(islice(matching, limit))


async def model(view: CatalogView, model_id: str) -> PhoneModel:
    found = await view.get(model_id)
    if found is None:
        raise Refused("not_found", f"No model {model_id}.")
    return found


async def identify_device(view: CatalogView, imei: str) -> PhoneModel:
    """The model an IMEI belongs to, by its TAC."""
    if not is_valid_imei(imei):
        raise Refused("imei_invalid", "An IMEI is 15 digits ending in a valid Luhn check digit.")
    found = await view.by_tac(tac_of(imei))
    if found is None:
        raise Refused("tac_unknown", "No model in the catalog has this IMEI's TAC.")
    return found
