"""The enrolment service's copy of a catalog model: only what selling a plan needs. No I/O."""

from dataclasses import dataclass, field
from datetime import date

from contracts.imei import tac_of


@dataclass(frozen=True)
class SrpPoint:
    effective_from: date
    srp_paise: int


@dataclass(frozen=True)
class CatalogModel:
    id: str
    brand: str
    name: str
    category: str
    smart_upgrade_eligible: bool
    fee_paise: int | None
    srp_history: tuple[SrpPoint, ...] = ()
    tacs: frozenset[str] = field(default_factory=frozenset)

    def srp_on(self, day: date) -> int | None:
        """The SRP in effect on `day`: the latest price that took effect on or before it."""
        current = None
        for point in sorted(self.srp_history, key=lambda p: p.effective_from):
            if point.effective_from <= day:
                current = point.srp_paise
        return current

    def identifies(self, imei: str) -> bool:
        """True when the IMEI's TAC is one of this model's."""
        return tac_of(imei) in self.tacs
