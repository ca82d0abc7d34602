"""HTTP shapes of the valuation API."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from servicekit.inputs import PRINTABLE
from servicekit.money import Paise
from valuation.domain.condition import Accessory, Body, Condition, FunctionalIssue, Screen
from valuation.domain.exchange import CancelReason, ExchangeStatus
from valuation.domain.pricing import Program
from valuation.domain.quote import QuoteStatus

# Loose on purpose (a malformed IMEI is the domain's `imei_invalid`), but never a control character:
# what is stored must be storable (SPEC §3; servicekit/inputs.py).
ImeiField = Field(min_length=1, max_length=32, pattern=PRINTABLE, examples=["990001010000018"])
EvidenceRef = Annotated[str, Field(min_length=1, max_length=500, pattern=PRINTABLE)]


class ConditionBody(BaseModel):
    powers_on: bool
    screen: Screen
    body: Body
    functional_issues: list[FunctionalIssue] = Field(default_factory=list)
    accessories: list[Accessory] = Field(default_factory=list, description="What comes with the phone")

    def to_condition(self) -> Condition:
        return Condition(self.powers_on, self.screen, self.body, frozenset(self.functional_issues), frozenset(self.accessories))


class QuoteBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"imei": "990001010000018", "condition": {"powers_on": True, "screen": "minor_scratches", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box"]}}]})

    imei: str = ImeiField
    model_id: str | None = Field(None, max_length=100, pattern=PRINTABLE)
    account_id: str | None = Field(None, max_length=100, pattern=PRINTABLE, description="Partners only: the customer's account")
    condition: ConditionBody


class AcceptBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"device_present": False}]})

    device_present: bool = Field(
        False,
        description=(
            "Retail partners only, in store: the old phone is on the counter. Such an accept supersedes another account's "
            "online exchange of the same IMEI that has not been handed over (it is cancelled, reason `superseded`, and its "
            "coupon voided). Anyone else sending `true` gets 422 `validation_error`."
        ),
    )


class DeductionOut(BaseModel):
    reason: str
    amount_paise: int


class AssuredOut(BaseModel):
    plan_id: str
    percent: int
    amount_paise: int


class QuoteOut(BaseModel):
    id: str
    status: QuoteStatus = Field(description="`expired`: still `offered` when its 72 hours ran out (derived, not stored)")
    account_id: str
    imei: str
    model_id: str
    condition: ConditionBody
    market_price_paise: int
    deductions: list[DeductionOut]
    market_offer_paise: int
    assured: AssuredOut | None
    amount_paise: int
    program: Program
    expires_at: datetime
    created_at: datetime


class ExchangeOut(BaseModel):
    id: str
    quote_id: str
    status: ExchangeStatus = Field(
        description="`accepted` → `coupon_issued` (CouponIssued) → `awaiting_handover` (the coupon was used on an order) → "
        "`completed` | `revoked` (handover; `revoked` also when superseded after the coupon was spent). `cancelling`: the owner asked to cancel and the exchange is still open; it ends "
        "`cancelled` once the coupon service voids the coupon, or goes on to `awaiting_handover` if an order got the coupon first. "
        "`cancelled`: ended before the coupon was used (cancel, coupon expired, superseded)."
    )
    account_id: str
    imei: str
    model_id: str
    amount_paise: int
    program: Program
    plan_id: str | None = Field(
        description="The account's Smart Upgrade plan for this phone at accept, floored or not: the exchange ends that plan"
    )
    coupon_code: str | None = Field(None, description="Shown to the owner once the coupon is issued")
    discounted_paise: int
    cancel_reason: CancelReason | None = Field(
        description="`customer_cancelled`, `coupon_expired`, `handover_failed`, or `superseded` (the phone's owner, or a store with "
        "the phone present, took the IMEI over from this exchange before it was handed over)"
    )
    device_present: bool = Field(False, description="Accepted in store by a retail partner with the old phone present")
    created_at: datetime
    updated_at: datetime


class ExchangePage(BaseModel):
    items: list[ExchangeOut]
    next_cursor: str | None


class Checklist(BaseModel):
    screen_lock_removed: bool
    accounts_removed: bool
    memory_card_removed: bool


class HandoverBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"imei": "990001010000018", "checklist": {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True}, "condition": {"powers_on": True, "screen": "minor_scratches", "body": "flawless", "functional_issues": [], "accessories": ["charger"]}, "evidence": ["handovers/2026/12/exc_7f3a/front.jpg"]}]})

    imei: str = ImeiField
    checklist: Checklist
    condition: ConditionBody
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=50, description="References to photos or documents (e.g. object-store keys)")


class HandoverOut(BaseModel):
    exchange: ExchangeOut
    outcome: Literal["completed", "revoked"]
    reasons: list[str]
    repriced_paise: int | None


class BlockBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"imei": "990009991234561", "reason": "Reported stolen: FIR 1234/2026, Koramangala"}]})

    imei: str = ImeiField
    reason: str = Field(min_length=1, max_length=500, pattern=PRINTABLE)


class BlockOut(BaseModel):
    imei: str
    reason: str
    added_by: str
    added_at: datetime


class MarketPriceBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"price_paise": 1150000}]})

    price_paise: Paise = Field(gt=0, le=1_000_000_000, description="Flawless-condition market price in paise (at most Rs 1 crore)")


class MarketPriceOut(BaseModel):
    model_id: str
    price_paise: int
    updated_at: datetime
    updated_by: str
