"""Turning a market price, a condition and an assured floor into an offer. No I/O."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from valuation.domain.condition import Condition, Deduction, deductions, ineligibility_reasons
from valuation.domain.refusal import DeviceNotEligible

RUPEE = 100

# `smart_upgrade`: the offer carries a plan's assured floor; `exchange`: the market offer alone.
Program = Literal["exchange", "smart_upgrade"]


@dataclass(frozen=True)
class MarketPrice:
    """A model's flawless-condition market price for the built-in engine, as ops set it."""

    model_id: str
    price_paise: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class Assured:
    plan_id: str
    percent: int
    amount_paise: int


@dataclass(frozen=True)
class Offer:
    market_price_paise: int
    deductions: tuple[Deduction, ...]
    market_offer_paise: int
    assured: Assured | None
    amount_paise: int

    @property
    def program(self) -> Program:
        return "smart_upgrade" if self.assured is not None else "exchange"

    def without_floor(self, minimum_paise: int) -> "Offer":
        """The market offer alone, for when the plan behind the floor no longer backs it; refused below the minimum."""
        if self.market_offer_paise < minimum_paise:
            raise DeviceNotEligible(["no_value"])
        return replace(self, assured=None, amount_paise=self.market_offer_paise)


def whole_rupees(paise: int) -> int:
    """Round down to whole rupees (offers are never in paise)."""
    return max(paise, 0) // RUPEE * RUPEE


def check_eligible(condition: Condition) -> None:
    reasons = ineligibility_reasons(condition)
    if reasons:
        raise DeviceNotEligible(reasons)


def make_offer(market_price_paise: int, condition: Condition, table: dict[str, int], assured: Assured | None, minimum_paise: int) -> Offer:
    """The itemised offer: the market offer (whole rupees), or the assured floor (to the paisa) when that is higher."""
    check_eligible(condition)
    lines = tuple(deductions(market_price_paise, condition, table))
    market_offer = whole_rupees(market_price_paise - sum(line.amount_paise for line in lines))
    # The assured amount is paid to the paisa, exactly as the plan shows it; only market offers are in rupees.
    amount = max(market_offer, assured.amount_paise if assured else 0)
    if amount < minimum_paise:
        raise DeviceNotEligible(["no_value"])
    return Offer(market_price_paise, lines, market_offer, assured, amount)
