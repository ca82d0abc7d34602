"""Mapping coupons to the events the service publishes on coupon.events."""

from datetime import datetime

from contracts.coupon import CouponExpired, CouponIssued, CouponRedeemed, CouponReleased, CouponVoided
from coupon.domain.coupon import Coupon, Redemption


def issued(coupon: Coupon) -> CouponIssued:
    return CouponIssued(
        coupon_id=coupon.id,
        code=coupon.code,
        exchange_id=coupon.exchange_id,
        account_id=coupon.account_id,
        amount_paise=coupon.amount_paise,
        issued_at=coupon.issued_at,
        expires_at=coupon.expires_at,
    )


def redeemed(coupon: Coupon, redemption: Redemption) -> CouponRedeemed:
    return CouponRedeemed(
        coupon_id=coupon.id,
        exchange_id=coupon.exchange_id,
        account_id=coupon.account_id,
        redemption_id=redemption.id,
        order_id=redemption.order_id,
        discount_paise=redemption.discount_paise,
        forfeited_paise=redemption.forfeited_paise,
        redeemed_at=redemption.redeemed_at,
    )


def released(coupon: Coupon, redemption: Redemption, expires_at: datetime, at: datetime) -> CouponReleased:
    return CouponReleased(
        coupon_id=coupon.id,
        exchange_id=coupon.exchange_id,
        account_id=coupon.account_id,
        redemption_id=redemption.id,
        order_id=redemption.order_id,
        expires_at=expires_at,
        released_at=at,
    )


def expired(coupon: Coupon) -> CouponExpired:
    return CouponExpired(coupon_id=coupon.id, exchange_id=coupon.exchange_id, account_id=coupon.account_id, expired_at=coupon.expires_at)


def voided(coupon: Coupon, reason: str, at: datetime) -> CouponVoided:
    return CouponVoided(coupon_id=coupon.id, exchange_id=coupon.exchange_id, account_id=coupon.account_id, reason=reason, voided_at=at)
