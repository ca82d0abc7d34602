"""A phone model variant and the rules on its prices, TACs and programme terms. No I/O."""

import re
from dataclasses import dataclass, field
from datetime import date

from servicekit.refusals import Refused

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAC = re.compile(r"^[0-9]{8}$")


@dataclass(frozen=True)
class SrpPoint:
    effective_from: date
    srp_paise: int


@dataclass
class PhoneModel:
    """A variant (model + RAM + storage) with its SRP history and the TACs that identify it."""

    id: str
    brand: str
    name: str
    category: str
    ram_gb: int | None = None
    storage_gb: int | None = None
    launch_date: date | None = None
    srp_history: list[SrpPoint] = field(default_factory=list)
    tacs: list[str] = field(default_factory=list)
    smart_upgrade_eligible: bool = False
    smart_upgrade_fee_paise: int | None = None
    exchange_eligible: bool = False

    def srp_on(self, day: date) -> int | None:
        """The SRP in effect on `day`: the latest price that took effect on or before it."""
        current = None
        for point in sorted(self.srp_history, key=lambda p: p.effective_from):
            if point.effective_from <= day:
                current = point.srp_paise
        return current

    def with_price(self, point: SrpPoint) -> None:
        """Add a price; a second price for the same day replaces the first."""
        self.srp_history = sorted(
            [p for p in self.srp_history if p.effective_from != point.effective_from] + [point], key=lambda p: p.effective_from
        )


class ModelRuleBroken(Refused):
    """A model that breaks a catalog rule; `field` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__("validation_error", message, field_name)


def check(model: PhoneModel) -> None:
    """Raise ModelRuleBroken if the model is not one the catalog can hold."""
    if not SLUG.match(model.id):
        raise ModelRuleBroken("id", "model ids are lowercase slugs such as redmi-9-prime-4gb-64gb")
    if not model.srp_history:
        raise ModelRuleBroken("srp_history", "a model needs at least one SRP")
    for tac in model.tacs:
        if not TAC.match(tac):
            raise ModelRuleBroken("tacs", f"TAC {tac!r} is not 8 digits")
    if len(set(model.tacs)) != len(model.tacs):
        raise ModelRuleBroken("tacs", "a TAC is listed twice")
    if model.smart_upgrade_eligible and not model.smart_upgrade_fee_paise:
        raise ModelRuleBroken("smart_upgrade.fee_paise", "a Smart Upgrade eligible model needs its add-on fee")
