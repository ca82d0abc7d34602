"""Turning a market price, a condition and an assured floor into an offer. No I/O."""

from dataclasses import dataclass
from datetime import date

from valuation.domain.condition import Condition, Deduction, deductions, ineligibility_reasons

RUPEE = 100


class DeviceNotEligible(Exception):
    """The phone cannot be taken: `reasons` lists every cause at once."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Window:
    starts_on: date
    ends_on: date  # inclusive
    percent: int
    amount_paise: int


@dataclass(frozen=True)
class Assured:
    plan_id: str
    percent: int
    amount_paise: int


@dataclass(frozen=True)
class Offer:
    market_price_paise: int
    deductions: list[Deduction]
    market_offer_paise: int
    assured: Assured | None
    amount_paise: int

    @property
    def program(self) -> str:
        return "smart_upgrade" if self.assured is not None else "exchange"


def whole_rupees(paise: int) -> int:
    """Round down to whole rupees (offers are never in paise)."""
    return max(paise, 0) // RUPEE * RUPEE


def window_on(schedule: list[Window], day: date) -> Window | None:
    """The schedule window `day` falls in, if any."""
    return next((w for w in schedule if w.starts_on <= day <= w.ends_on), None)


def check_eligible(condition: Condition) -> None:
    reasons = ineligibility_reasons(condition)
    if reasons:
        raise DeviceNotEligible(reasons)


def make_offer(market_price_paise: int, condition: Condition, table: dict[str, int], assured: Assured | None, minimum_paise: int) -> Offer:
    """The itemised offer: the market offer (whole rupees), or the assured floor (to the paisa) when that is higher."""
    check_eligible(condition)
    lines = deductions(market_price_paise, condition, table)
    market_offer = whole_rupees(market_price_paise - sum(line.amount_paise for line in lines))
    # The assured amount is paid to the paisa, exactly as the plan shows it; only market offers are in rupees.
    amount = max(market_offer, assured.amount_paise if assured else 0)
    if amount < minimum_paise:
        raise DeviceNotEligible(["no_value"])
    return Offer(market_price_paise, lines, market_offer, assured, amount)
