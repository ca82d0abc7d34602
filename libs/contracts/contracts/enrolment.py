"""Events the enrolment service publishes on `enrolment.events` (aggregate: the plan)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from contracts.base import Event

TOPIC = "enrolment.events"


class ScheduleWindow(BaseModel):
    starts_on: date
    ends_on: date  # the window's last day, inclusive
    percent: int
    amount_paise: int


class PlanPurchased(Event):
    """A plan was sold; it carries its whole schedule so nobody recomputes it."""

    TOPIC = TOPIC
    TYPE = "enrolment.PlanPurchased"

    plan_id: str
    account_id: str
    store_id: str
    model_id: str
    imei: str
    imei2: str | None = None
    invoice_number: str
    invoice_date: date
    srp_paise: int
    fee_paise: int
    schedule: list[ScheduleWindow]
    lapses_on: date
    purchased_at: datetime

    def aggregate_id(self) -> str:
        return self.plan_id


class PlanCancelled(Event):
    TOPIC = TOPIC
    TYPE = "enrolment.PlanCancelled"

    plan_id: str
    account_id: str
    imei: str
    imei2: str | None = None
    refund_paise: int
    cancelled_at: datetime

    def aggregate_id(self) -> str:
        return self.plan_id


class PlanRedeemed(Event):
    """The plan ended because its phone was handed over in an exchange; its device is free.

    `outcome` says how: `redeemed` in a Smart Upgrade exchange (its quote carried the assured value,
    whether that or the market offer was higher), or `traded_in` in a plain exchange at market value
    (e.g. in months 1–3, before the first window). Either way the plan is over and its fee no longer
    refundable. `redeemed_at` is when the phone was handed over, for both outcomes.
    """

    TOPIC = TOPIC
    TYPE = "enrolment.PlanRedeemed"

    plan_id: str
    account_id: str
    imei: str
    imei2: str | None = None
    exchange_id: str
    outcome: Literal["redeemed", "traded_in"] = "redeemed"  # absent from events published before trade-ins ended plans
    redeemed_at: datetime

    def aggregate_id(self) -> str:
        return self.plan_id


class PlanLapsed(Event):
    TOPIC = TOPIC
    TYPE = "enrolment.PlanLapsed"

    plan_id: str
    account_id: str
    imei: str
    imei2: str | None = None
    lapsed_on: date

    def aggregate_id(self) -> str:
        return self.plan_id
