"""What a customer is told, and the one reason each message answers to (so it goes at most once)."""

from dataclasses import dataclass
from datetime import date, datetime

from notification.domain.timing import CUSTOMER_TZ

COUPON_CREDITED = "coupon_credited"
EXCHANGE_CANCELLED = "exchange_cancelled"
COUPON_EXPIRING = "coupon_expiring"
VALUE_DROPPING = "value_dropping"
REMINDERS = (COUPON_EXPIRING, VALUE_DROPPING)

_CANCEL_REASONS = {
    "customer_cancelled": "as you asked",
    "coupon_expired": "because its coupon expired unused",
    "handover_failed": "because the phone could not be handed over",
    "superseded": "because the phone's owner exchanged it",
}


@dataclass(frozen=True)
class Draft:
    """A message before it is scheduled: its reason key is unique per account and cause."""

    reason: str
    dedupe_key: str
    about: str
    title: str
    body: str

    @property
    def is_reminder(self) -> bool:
        return self.reason in REMINDERS


def rupees(paise: int) -> str:
    """₹ with Indian digit grouping (₹12,34,567), paise only when there are any."""
    whole, part = divmod(paise, 100)
    digits = str(whole)
    if len(digits) > 3:
        head, groups = digits[:-3], [digits[-3:]]
        while head:
            groups.insert(0, head[-2:])
            head = head[:-2]
        digits = ",".join(groups)
    return f"₹{digits}" + (f".{part:02d}" if part else "")


def local_moment(at: datetime) -> str:
    return at.astimezone(CUSTOMER_TZ).strftime("%d %b %Y, %H:%M IST")


def coupon_credited(coupon_id: str, amount_paise: int, expires_at: datetime) -> Draft:
    return Draft(
        COUPON_CREDITED, f"{COUPON_CREDITED}:{coupon_id}", coupon_id, "Your exchange coupon is ready",
        f"{rupees(amount_paise)} is credited to an exchange coupon, valid until {local_moment(expires_at)}. Find it under My coupons.",
    )  # fmt: skip


def exchange_cancelled(exchange_id: str, reason: str) -> Draft:
    why = _CANCEL_REASONS.get(reason, "")
    return Draft(
        EXCHANGE_CANCELLED, f"{EXCHANGE_CANCELLED}:{exchange_id}", exchange_id, "Your exchange is cancelled",
        f"Your exchange {exchange_id} was cancelled {why}.".replace("  ", " ").replace(" .", "."),
    )  # fmt: skip


def coupon_expiring(coupon_id: str, amount_paise: int, expires_at: datetime) -> Draft:
    return Draft(
        COUPON_EXPIRING, f"{COUPON_EXPIRING}:{coupon_id}", coupon_id, "Your exchange coupon expires soon",
        f"Your {rupees(amount_paise)} exchange coupon expires on {local_moment(expires_at)}. Spend it on a new phone before then.",
    )  # fmt: skip


def value_dropping(plan_id: str, drops_on: date, from_paise: int, to_paise: int) -> Draft:
    when = drops_on.strftime("%d %b %Y")
    body = (
        f"Your Smart Upgrade assured value of {rupees(from_paise)} drops to {rupees(to_paise)} on {when}. Exchange before then to get the higher value."
        if to_paise
        else f"Your Smart Upgrade assured value of {rupees(from_paise)} ends on {when}. Exchange before then to use it."
    )
    return Draft(VALUE_DROPPING, f"{VALUE_DROPPING}:{plan_id}:{drops_on.isoformat()}", plan_id, "Your assured value drops next week", body)
