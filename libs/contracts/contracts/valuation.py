"""Events the valuation service publishes on `valuation.events` (aggregate: the exchange)."""

from datetime import datetime
from typing import Literal

from contracts.base import Event

TOPIC = "valuation.events"

# `smart_upgrade`: the exchange was accepted at its plan's assured floor; `exchange`: at the market offer.
Program = Literal["exchange", "smart_upgrade"]
# `superseded`: the device's owner (its Smart Upgrade plan's account, or a store with the device
# present) took the IMEI over from another account's exchange that had not been handed over.
CancelReason = Literal["customer_cancelled", "coupon_expired", "handover_failed", "superseded"]


class ExchangeAccepted(Event):
    """A customer accepted a quote; the coupon service credits `amount_paise` from this.

    `plan_id` is set whenever the exchanged IMEI (either IMEI of a dual-SIM plan) had a live Smart
    Upgrade plan of this account at accept — floored by the assured value (`program` smart_upgrade),
    priced above it, or still in months 1–3 (`program` exchange): handing the phone over ends that
    plan. Only the plan's account can exchange a plan's IMEI. The same `plan_id` travels on the
    exchange's ExchangeCompleted and ExchangeCancelled.
    """

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
    """The phone was handed over and passed inspection; with `plan_id`, that plan is over.

    `program` is the exchange's: `smart_upgrade` (the plan's floor was paid: the plan is redeemed)
    or `exchange` (the plan's phone was traded in at the market offer). None in events from before
    the field existed: treat it as `smart_upgrade` when `plan_id` is set (only floored exchanges
    carried a plan then).
    """

    TOPIC = TOPIC
    TYPE = "valuation.ExchangeCompleted"

    exchange_id: str
    account_id: str
    imei: str
    amount_paise: int
    plan_id: str | None = None
    program: Program | None = None
    completed_at: datetime

    def aggregate_id(self) -> str:
        return self.exchange_id


class ExchangeCancelled(Event):
    """The exchange ended without the phone changing hands.

    `discounted_paise` is what an order already received from the coupon (non-zero only for
    `handover_failed` and `superseded`), for the order system to settle (claw back). `plan_id` is
    the exchange's plan as in ExchangeAccepted: the plan is not ended after all.

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
