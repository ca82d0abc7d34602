"""Events the enrolment service publishes on `enrolment.events` (aggregate: the plan)."""

from datetime import date, datetime

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
    TOPIC = TOPIC
    TYPE = "enrolment.PlanRedeemed"

    plan_id: str
    account_id: str
    imei: str
    imei2: str | None = None
    exchange_id: str
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
