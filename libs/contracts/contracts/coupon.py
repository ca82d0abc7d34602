"""Events the coupon service publishes on `coupon.events` (aggregate: the coupon)."""

from datetime import datetime

from contracts.base import Event

TOPIC = "coupon.events"


class CouponIssued(Event):
    """A coupon was credited for an exchange; the code is shown to the exchange's owner."""

    TOPIC = TOPIC
    TYPE = "coupon.CouponIssued"

    coupon_id: str
    code: str
    exchange_id: str
    account_id: str
    amount_paise: int
    issued_at: datetime
    expires_at: datetime

    def aggregate_id(self) -> str:
        return self.coupon_id


class CouponRedeemed(Event):
    TOPIC = TOPIC
    TYPE = "coupon.CouponRedeemed"

    coupon_id: str
    exchange_id: str
    account_id: str
    redemption_id: str
    order_id: str
    discount_paise: int
    forfeited_paise: int
    redeemed_at: datetime

    def aggregate_id(self) -> str:
        return self.coupon_id


class CouponReleased(Event):
    TOPIC = TOPIC
    TYPE = "coupon.CouponReleased"

    coupon_id: str
    exchange_id: str
    account_id: str
    redemption_id: str
    order_id: str
    expires_at: datetime
    released_at: datetime

    def aggregate_id(self) -> str:
        return self.coupon_id


class CouponExpired(Event):
    TOPIC = TOPIC
    TYPE = "coupon.CouponExpired"

    coupon_id: str
    exchange_id: str
    account_id: str
    expired_at: datetime

    def aggregate_id(self) -> str:
        return self.coupon_id


class CouponVoided(Event):
    TOPIC = TOPIC
    TYPE = "coupon.CouponVoided"

    coupon_id: str
    exchange_id: str
    account_id: str
    reason: str
    voided_at: datetime

    def aggregate_id(self) -> str:
        return self.coupon_id
