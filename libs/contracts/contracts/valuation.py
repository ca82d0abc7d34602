"""Events the valuation service publishes on `valuation.events` (aggregate: the exchange)."""

from datetime import datetime
from typing import Literal

from contracts.base import Event

TOPIC = "valuation.events"

Program = Literal["exchange", "smart_upgrade"]
# `superseded`: the device's owner (its Smart Upgrade plan's account, or a store with the device
# present) took the IMEI over from another account's exchange that had not been handed over.
CancelReason = Literal["customer_cancelled", "coupon_expired", "handover_failed", "superseded"]


class ExchangeAccepted(Event):
    """A customer accepted a quote; the coupon service credits `amount_paise` from this."""

    TOPIC = TOPIC
    TYPE = "valuation.ExchangeAccepted"

    exchange_id: str
    quote_id: str
    account_id: str
    imei: str
    model_id: str
    amount_paise: int
    program: Program
    plan_id: str | None = None
    accepted_by: str  # the principal that accepted: the account or a partner key id
    accepted_at: datetime

    def aggregate_id(self) -> str:
        return self.exchange_id


class ExchangeCompleted(Event):
    TOPIC = TOPIC
    TYPE = "valuation.ExchangeCompleted"

    exchange_id: str
    account_id: str
    imei: str
    amount_paise: int
    plan_id: str | None = None
    completed_at: datetime

    def aggregate_id(self) -> str:
        return self.exchange_id


class ExchangeCancelled(Event):
    """The exchange ended without the phone changing hands.

    `discounted_paise` is what an order already received from the coupon (non-zero only for
    `handover_failed` and `superseded`), for the order system to settle (claw back).

    A `superseded` exchange whose coupon turns out to have been spent before its void reached the
    coupon service is announced a second time, with the amount the order got (see docs/valuation.md).
    """

    TOPIC = TOPIC
    TYPE = "valuation.ExchangeCancelled"

    exchange_id: str
    account_id: str
    imei: str
    amount_paise: int
    plan_id: str | None = None
    reason: CancelReason
    discounted_paise: int = 0
    cancelled_at: datetime

    def aggregate_id(self) -> str:
        return self.exchange_id


class ExchangeCancellationRequested(Event):
    """The owner asked to cancel; the exchange is `cancelling` until the coupon service decides.

    The coupon service voids an unused coupon (CouponVoided: the exchange is then cancelled and
    ExchangeCancelled published) or, if an order already holds it, does nothing (CouponRedeemed
    moves the exchange on to `awaiting_handover`: the cancel lost the race). Keyed by exchange id,
    like ExchangeAccepted, so it always arrives after it.
    """

    TOPIC = TOPIC
    TYPE = "valuation.ExchangeCancellationRequested"

    exchange_id: str
    account_id: str
    requested_at: datetime
    reason: Literal["customer_cancelled"] = "customer_cancelled"

    def aggregate_id(self) -> str:
        return self.exchange_id
