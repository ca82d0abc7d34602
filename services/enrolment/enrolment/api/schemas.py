"""HTTP shapes of the enrolment API."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from enrolment.domain.plan import Plan, Sale, Terms
from enrolment.domain.schedule import BuybackSchedule, BuybackValue, Window
from servicekit.inputs import MAX_SLUG_LENGTH, PRINTABLE, SLUG_PATTERN

# Loose on purpose: a malformed IMEI is refused by the domain with `imei_invalid`, not `validation_error`.
ImeiField = Field(min_length=1, max_length=32, examples=["990000862471854"])


class SaleBody(BaseModel):
    """What the retailer enters at the sale; the store comes from the credential."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"imei": "990000862471854", "model_id": "redmi-9-prime-4gb-64gb", "invoice_number": "INV-2026-000123", "invoice_date": "2026-12-01", "account_id": "acc-42", "customer_phone": "+919876543210"}]})

    imei: str = ImeiField
    imei2: str | None = Field(None, max_length=32, description="The second IMEI of a dual-SIM phone")
    model_id: str = Field(min_length=1, max_length=MAX_SLUG_LENGTH, pattern=SLUG_PATTERN, examples=["redmi-9-prime-4gb-64gb"])
    invoice_number: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)
    # Any date parses; one outside the 7-day window is the domain's invoice_date_out_of_range (SPEC §5).
    invoice_date: date = Field(description="Asia/Kolkata date of the final bill; today or up to 7 days ago")
    account_id: str = Field(min_length=1, max_length=100, pattern=PRINTABLE, description="The customer's account")
    customer_phone: str = Field(pattern=r"^\+?[0-9]{10,15}$", examples=["+919876543210"])

    def to_sale(self) -> Sale:
        return Sale(self.model_id, self.imei, self.imei2, self.invoice_number, self.invoice_date, self.account_id, self.customer_phone)


class WindowOut(BaseModel):
    starts_on: date
    ends_on: date = Field(description="The window's last day, inclusive")
    percent: int
    amount_paise: int

    @classmethod
    def of(cls, window: Window) -> "WindowOut":
        return cls(starts_on=window.starts_on, ends_on=window.ends_on, percent=window.percent, amount_paise=window.amount_paise)


def _windows(schedule: BuybackSchedule) -> list[WindowOut]:
    return [WindowOut.of(w) for w in schedule.windows]


class PreviewOut(BaseModel):
    model_id: str
    purchase_date: date
    fee_paise: int
    srp_paise: int
    schedule: list[WindowOut]
    lapses_on: date = Field(description="The first day with no assured value")

    @classmethod
    def of(cls, model_id: str, purchase_date: date, terms: Terms) -> "PreviewOut":
        return cls(
            model_id=model_id,
            purchase_date=purchase_date,
            fee_paise=terms.fee_paise,
            srp_paise=terms.srp_paise,
            schedule=_windows(terms.schedule),
            lapses_on=terms.schedule.lapses_on,
        )


class PlanOut(BaseModel):
    id: str
    status: Literal["active", "buyback_in_progress", "redeemed", "traded_in", "cancelled", "lapsed"] = Field(
        description="redeemed: its phone was handed over in a Smart Upgrade exchange; traded_in: in a plain exchange at market value"
    )
    account_id: str
    store_id: str
    model_id: str
    imei: str
    imei2: str | None
    invoice_number: str
    invoice_date: date
    customer_phone: str
    srp_paise: int
    fee_paise: int
    schedule: list[WindowOut]
    lapses_on: date
    purchased_at: datetime
    exchange_id: str | None
    refund_paise: int | None
    cancelled_at: datetime | None
    redeemed_at: datetime | None
    traded_in_at: datetime | None
    lapsed_on: date | None

    @classmethod
    def of(cls, plan: Plan) -> "PlanOut":
        return cls(
            id=plan.id,
            status=plan.status.value,
            account_id=plan.account_id,
            store_id=plan.store_id,
            model_id=plan.model_id,
            imei=plan.imei,
            imei2=plan.imei2,
            invoice_number=plan.invoice_number,
            invoice_date=plan.invoice_date,
            customer_phone=plan.customer_phone,
            srp_paise=plan.srp_paise,
            fee_paise=plan.fee_paise,
            schedule=_windows(plan.schedule),
            lapses_on=plan.lapses_on,
            purchased_at=plan.purchased_at,
            exchange_id=plan.exchange_id,
            refund_paise=plan.refund_paise,
            cancelled_at=plan.cancelled_at,
            redeemed_at=plan.redeemed_at,
            traded_in_at=plan.traded_in_at,
            lapsed_on=plan.lapsed_on,
        )


class PlanPage(BaseModel):
    items: list[PlanOut]
    next_cursor: str | None


class BuybackValueOut(BaseModel):
    plan_id: str
    on: date
    status: str = Field(
        description="not_yet | available | lapsed for an active plan; otherwise the plan's status (buyback_in_progress, redeemed, traded_in, cancelled, lapsed)"
    )
    percent: int | None
    amount_paise: int | None
    window: WindowOut | None
    next_change_on: date | None

    @classmethod
    def of(cls, plan_id: str, on: date, status: str, value: BuybackValue | None) -> "BuybackValueOut":
        window = value.window if value else None
        return cls(
            plan_id=plan_id,
            on=on,
            status=status,
            percent=window.percent if window else None,
            amount_paise=window.amount_paise if window else None,
            window=WindowOut.of(window) if window else None,
            next_change_on=value.next_change_on if value else None,
        )
