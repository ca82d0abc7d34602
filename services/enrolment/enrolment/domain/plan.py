"""A Smart Upgrade plan: the rules for selling, cancelling and following it through an exchange. No I/O."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from contracts.imei import is_valid_imei
from enrolment.domain.catalog import CatalogModel
from enrolment.domain.schedule import BuybackSchedule, BuybackValue
from servicekit.refusals import Refused

INVOICE_MAX_AGE = timedelta(days=7)
CANCEL_PERIOD = timedelta(days=14)


class PlanStatus(StrEnum):
    ACTIVE = "active"
    BUYBACK_IN_PROGRESS = "buyback_in_progress"
    REDEEMED = "redeemed"  # its phone was handed over in a Smart Upgrade exchange
    TRADED_IN = "traded_in"  # its phone was handed over in a plain exchange, at market value
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


@dataclass(frozen=True)
class Sale:
    """What the retailer tells us at the till."""

    model_id: str
    imei: str
    imei2: str | None
    invoice_number: str
    invoice_date: date
    account_id: str
    customer_phone: str

    def imeis(self) -> list[str]:
        return [self.imei] + ([self.imei2] if self.imei2 else [])


@dataclass(frozen=True)
class Terms:
    """The price terms frozen into a plan at the sale."""

    srp_paise: int
    fee_paise: int
    schedule: BuybackSchedule


def terms_on(model: CatalogModel | None, purchase_date: date) -> Terms:
    """Fee, SRP in effect on the purchase date, and schedule, for an eligible model."""
    if model is None or not model.smart_upgrade_eligible or not model.fee_paise:
        raise Refused("model_not_eligible", "This model is not eligible for Smart Upgrade.", "model_id")
    srp = model.srp_on(purchase_date)
    if srp is None:
        raise Refused("model_not_eligible", f"The model had no SRP on {purchase_date}.", "model_id")
    return Terms(srp, model.fee_paise, BuybackSchedule.for_purchase(purchase_date, srp))


def check_imeis_valid(sale: Sale) -> None:
    """Each IMEI 15 digits with a valid check digit, and imei2 not a copy of imei."""
    for field_name, imei in (("imei", sale.imei), ("imei2", sale.imei2)):
        if imei is not None and not is_valid_imei(imei):
            raise Refused("imei_invalid", "An IMEI is 15 digits ending in a valid Luhn check digit.", field_name)
    if sale.imei2 is not None and sale.imei2 == sale.imei:
        raise Refused("imei_invalid", "imei2 must be the phone's other IMEI, not the same one.", "imei2")


def check_imeis_of(model: CatalogModel, sale: Sale) -> None:
    """Both IMEIs of a dual-SIM phone must carry one of the model's TACs."""
    for field_name, imei in (("imei", sale.imei), ("imei2", sale.imei2)):
        if imei is not None and not model.identifies(imei):
            raise Refused("imei_model_mismatch", f"This {field_name} does not belong to model {model.id}.", field_name)


def check_invoice_date(invoice_date: date, today: date) -> None:
    """Not in the future, and at most 7 days before today (Asia/Kolkata dates)."""
    if invoice_date > today or invoice_date < today - INVOICE_MAX_AGE:
        raise Refused("invoice_date_out_of_range", "The invoice date must be today or within the last 7 days.", "invoice_date")


def sell(model: CatalogModel | None, sale: Sale, today: date) -> Terms:
    """Every rule of a sale except one-live-plan-per-device, which only the database can hold."""
    check_imeis_valid(sale)
    check_invoice_date(sale.invoice_date, today)  # first: the schedule is only ever computed from a date near today
    terms = terms_on(model, sale.invoice_date)
    assert model is not None  # terms_on refuses a missing model
    check_imeis_of(model, sale)
    return terms


def check_cancellable(status: PlanStatus, sold_on: date, today: date) -> None:
    """Only an active plan, up to and including the 14th day after the sale."""
    if status != PlanStatus.ACTIVE:
        raise Refused("plan_not_cancellable", f"A plan that is {status} cannot be cancelled.")
    if today > sold_on + CANCEL_PERIOD:
        raise Refused("plan_not_cancellable", "A plan can be cancelled only within 14 days of the sale.")


def after_handover(program: str | None) -> PlanStatus:
    """Where a plan ends when its phone is handed over in the exchange holding it.

    A Smart Upgrade exchange (priced with the assured value, whether that or the market offer was
    higher) redeems it. A plain exchange, a trade-in at market value (e.g. in months 1–3, before the
    first window), ends it as traded in. Either way the phone has changed hands, so the plan is over
    and its fee no longer refundable. Completions published before valuation named the programme
    (None) only ever came from Smart Upgrade.
    """
    return PlanStatus.TRADED_IN if program == "exchange" else PlanStatus.REDEEMED


def after_exchange_cancelled(lapses_on: date, today: date) -> PlanStatus:
    """Where a plan goes when its exchange falls through: active again, unless its last window has passed."""
    return PlanStatus.LAPSED if today >= lapses_on else PlanStatus.ACTIVE


def sold_on(purchased_at: datetime, business_tz: tzinfo) -> date:
    """The business date of the sale, from which the cancellation period runs."""
    return purchased_at.astimezone(business_tz).date()


@dataclass(frozen=True)
class Plan:
    """A sold plan as stored: its terms were frozen at the sale and are never recomputed."""

    id: str
    status: PlanStatus
    account_id: str
    store_id: str
    sold_by: str
    model_id: str
    imei: str
    imei2: str | None
    invoice_number: str
    invoice_date: date
    customer_phone: str
    srp_paise: int
    fee_paise: int
    schedule: BuybackSchedule
    purchased_at: datetime
    exchange_id: str | None = None
    refund_paise: int | None = None
    cancelled_at: datetime | None = None
    redeemed_at: datetime | None = None
    traded_in_at: datetime | None = None
    lapsed_on: date | None = None

    @property
    def lapses_on(self) -> date:
        return self.schedule.lapses_on

    def imeis(self) -> list[str]:
        return [self.imei] + ([self.imei2] if self.imei2 else [])


def buyback_value(plan: Plan, day: date) -> tuple[str, BuybackValue | None]:
    """The status to show for `day` and the schedule's value then.

    An active plan answers from its schedule (not_yet, available, lapsed). A plan held by an
    exchange still shows the day's window, under its own status, since that is the floor the
    exchange was priced on. A plan that has ended (redeemed, traded in, cancelled, lapsed) is worth
    nothing any more.
    """
    if plan.status == PlanStatus.ACTIVE:
        value = plan.schedule.value_on(day)
        return value.status, value
    if plan.status == PlanStatus.BUYBACK_IN_PROGRESS:
        return plan.status.value, plan.schedule.value_on(day)
    return plan.status.value, None
