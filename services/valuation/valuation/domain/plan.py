"""Valuation's copy of Smart Upgrade plans: whose phone an IMEI is, and the floor a plan gives. No I/O."""

from dataclasses import dataclass
from datetime import date

from valuation.domain.pricing import Assured
from valuation.domain.refusal import DeviceNotEligible

REGISTERED_ELSEWHERE = "registered_to_another_account"


@dataclass(frozen=True)
class Window:
    starts_on: date
    ends_on: date  # inclusive
    percent: int
    amount_paise: int


def window_on(schedule: tuple[Window, ...], day: date) -> Window | None:
    """The schedule window `day` falls in, if any."""
    return next((w for w in schedule if w.starts_on <= day <= w.ends_on), None)


@dataclass(frozen=True)
class Plan:
    """A plan as enrolment's events told us. `active` (live) from PlanPurchased until it is cancelled, redeemed or lapsed.

    Enrolment's `buyback_in_progress` is still `active` here: the phone is the plan's account's
    until it has changed hands.
    """

    plan_id: str
    account_id: str
    model_id: str
    imei: str
    imei2: str | None
    status: str  # active | cancelled | redeemed | lapsed | traded_in
    schedule: tuple[Window, ...]
    lapses_on: date  # the first day with no value

    @property
    def is_live(self) -> bool:
        return self.status == "active"

    def imeis(self) -> list[str]:
        return [self.imei] + ([self.imei2] if self.imei2 else [])

    def in_force_on(self, day: date) -> bool:
        """Live and not yet at its lapse day (Asia/Kolkata), whether or not PlanLapsed has arrived."""
        return self.is_live and day < self.lapses_on

    def assured_on(self, day: date) -> Assured | None:
        """The floor the plan gives on `day`: the amount of the window it falls in, if any."""
        window = window_on(self.schedule, day) if self.in_force_on(day) else None
        return Assured(self.plan_id, window.percent, window.amount_paise) if window else None


def check_owner(live: list[Plan], account_id: str) -> None:
    """A phone with a live plan was sold in store to the plan's account against an invoice: only that account may trade it in.

    Anyone else learns only that this phone cannot be taken in from them, not whose it is.
    """
    if live and not any(plan.account_id == account_id for plan in live):
        raise DeviceNotEligible([REGISTERED_ELSEWHERE])


def assured_floor(live: list[Plan], account_id: str, day: date) -> Assured | None:
    """The floor of this account's plan for the phone, if `day` is in one of its windows."""
    return next((a for plan in live if plan.account_id == account_id and (a := plan.assured_on(day))), None)


def plan_ended_by_exchange(live: list[Plan], account_id: str, quoted_plan_id: str | None, day: date) -> Plan | None:
    """The account's plan for the phone that an exchange accepted on `day` ends, if any: the quote's own plan first.

    Every exchange of a plan's phone ends the plan, floored or not (priced above the floor, or
    still in months 1–3): the phone is gone. A plan whose lapse day has come is over already.
    """
    mine = [plan for plan in live if plan.account_id == account_id and plan.in_force_on(day)]
    return next((plan for plan in mine if plan.plan_id == quoted_plan_id), mine[0] if mine else None)
