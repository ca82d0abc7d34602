"""HTTP shapes of the valuation API."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from valuation.domain.condition import Accessory, Body, Condition, FunctionalIssue, Screen

ImeiField = Field(min_length=1, max_length=32, examples=["990001010000018"])


class ConditionBody(BaseModel):
    powers_on: bool
    screen: Screen
    body: Body
    functional_issues: list[FunctionalIssue] = Field(default_factory=list)
    accessories: list[Accessory] = Field(default_factory=list, description="What comes with the phone")

    def to_condition(self) -> Condition:
        return Condition(self.powers_on, self.screen, self.body, frozenset(self.functional_issues), frozenset(self.accessories))


class QuoteBody(BaseModel):
    imei: str = ImeiField
    model_id: str | None = Field(None, max_length=100)
    account_id: str | None = Field(None, max_length=100, description="Partners only: the customer's account")
    condition: ConditionBody


class DeductionOut(BaseModel):
    reason: str
    amount_paise: int


class AssuredOut(BaseModel):
    plan_id: str
    percent: int
    amount_paise: int


class QuoteOut(BaseModel):
    id: str
    status: Literal["offered", "accepted", "expired"]
    account_id: str
    imei: str
    model_id: str
    condition: ConditionBody
    market_price_paise: int
    deductions: list[DeductionOut]
    market_offer_paise: int
    assured: AssuredOut | None
    amount_paise: int
    program: Literal["exchange", "smart_upgrade"]
    expires_at: datetime
    created_at: datetime


class ExchangeOut(BaseModel):
    id: str
    quote_id: str
    status: Literal["accepted", "coupon_issued", "awaiting_handover", "cancelling", "completed", "revoked", "cancelled"] = Field(
        description="`cancelling`: the owner asked to cancel; it completes (`cancelled`) once the coupon is voided"
    )
    account_id: str
    imei: str
    model_id: str
    amount_paise: int
    program: Literal["exchange", "smart_upgrade"]
    plan_id: str | None
    coupon_code: str | None = Field(None, description="Shown to the owner once the coupon is issued")
    discounted_paise: int
    cancel_reason: str | None
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
    imei: str = ImeiField
    checklist: Checklist
    condition: ConditionBody
    evidence: list[str] = Field(default_factory=list, max_length=50, description="References to photos or documents (e.g. object-store keys)")


class HandoverOut(BaseModel):
    exchange: ExchangeOut
    outcome: Literal["completed", "revoked"]
    reasons: list[str]
    repriced_paise: int | None


class BlockBody(BaseModel):
    imei: str = ImeiField
    reason: str = Field(min_length=1, max_length=500)


class BlockOut(BaseModel):
    imei: str
    reason: str
    added_by: str
    added_at: datetime


class MarketPriceBody(BaseModel):
    price_paise: int = Field(gt=0, le=1_000_000_000, description="Flawless-condition market price in paise (at most Rs 1 crore)")


class MarketPriceOut(BaseModel):
    model_id: str
    price_paise: int
    updated_at: datetime
    updated_by: str
