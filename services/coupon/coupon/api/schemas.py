"""HTTP shapes of coupons, redemptions and ledger entries."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coupon.db.ledger import LedgerEntry
from coupon.domain.coupon import Coupon, OrderLine, Redemption
from servicekit.inputs import PRINTABLE
from servicekit.money import Paise, Quantity

Id = Field(min_length=1, max_length=100, pattern=PRINTABLE)


class OrderLineBody(BaseModel):
    """One line of the order; any `category` the client sends is ignored (the catalog read model decides)."""

    model_config = ConfigDict(extra="ignore")

    line_id: str = Id
    model_id: str = Id
    unit_price_paise: Paise = Field(ge=0, le=10**12)
    quantity: Quantity = Field(ge=1, le=1000)

    def to_line(self) -> OrderLine:
        return OrderLine(self.line_id, self.model_id, self.unit_price_paise, self.quantity)


class RedemptionBody(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"order_id": "order-9001", "account_id": "acc-42", "lines": [{"line_id": "1", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1}]}]})

    order_id: str = Id
    lines: list[OrderLineBody] = Field(min_length=1, max_length=200)
    account_id: str | None = Field(None, max_length=100, pattern=PRINTABLE, description="The customer's account; required when a partner redeems")


class RedemptionOut(BaseModel):
    id: str
    coupon_id: str
    order_id: str
    account_id: str
    line_id: str
    model_id: str
    unit_price_paise: int
    discount_paise: int
    forfeited_paise: int
    status: Literal["held", "released"]
    redeemed_at: datetime
    released_at: datetime | None

    @classmethod
    def of(cls, r: Redemption) -> "RedemptionOut":
        return cls(
            id=r.id, coupon_id=r.coupon_id, order_id=r.order_id, account_id=r.account_id, line_id=r.line_id, model_id=r.model_id,
            unit_price_paise=r.unit_price_paise, discount_paise=r.discount_paise, forfeited_paise=r.forfeited_paise,
            status="released" if r.released_at else "held", redeemed_at=r.redeemed_at, released_at=r.released_at,
        )  # fmt: skip


class Restrictions(BaseModel):
    categories: list[str]
    brands: list[str]


class CouponOut(BaseModel):
    id: str
    code: str
    exchange_id: str
    account_id: str
    amount_paise: int
    status: Literal["active", "redeemed", "expired", "void"]
    issued_at: datetime
    expires_at: datetime
    restrictions: Restrictions
    void_reason: str | None
    redemption: RedemptionOut | None = Field(None, description="The order holding the coupon, while one does")

    @classmethod
    def of(cls, c: Coupon, held: Redemption | None, restrictions: Restrictions, now: datetime) -> "CouponOut":
        return cls(
            id=c.id, code=c.code, exchange_id=c.exchange_id, account_id=c.account_id, amount_paise=c.amount_paise,
            status=c.status_at(now), issued_at=c.issued_at, expires_at=c.expires_at, restrictions=restrictions,
            void_reason=c.void_reason, redemption=RedemptionOut.of(held) if held else None,
        )  # fmt: skip


class CouponPage(BaseModel):
    items: list[CouponOut]
    next_cursor: str | None


class LedgerEntryOut(BaseModel):
    type: Literal["issued", "redeemed", "released", "voided", "expired"]
    actor: str
    at: datetime
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: LedgerEntry) -> "LedgerEntryOut":
        return cls(type=e.type, actor=e.actor, at=e.at, detail=e.detail)


class LedgerPage(BaseModel):
    items: list[LedgerEntryOut]
    next_cursor: str | None
