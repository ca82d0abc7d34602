"""Who an event is about: the partners that may receive it, and which event types exist.

A partner receives an event only when it is about its own plans, exchanges or redemptions:
- a plan's events go to the partners of the store that sold it (the partner principal's `store_id`);
- an exchange's events go to the partner that accepted it (`accepted_by`, when that is not the
  customer), and to the store that sold the exchanged phone's plan;
- a coupon's events go to the parties of the exchange that credited it (the coupon's redemptions are
  the exchange's money: the partner that took the phone in answers for them).
Parties are `partner:<key id>` and `store:<store id>`; an endpoint belongs to one partner key and,
for a retailer, its store.
"""

from dataclasses import dataclass

PLAN_EVENTS = ("enrolment.PlanPurchased", "enrolment.PlanCancelled", "enrolment.PlanRedeemed", "enrolment.PlanLapsed")
EXCHANGE_EVENTS = (
    "valuation.ExchangeAccepted", "valuation.ExchangeCancellationRequested", "valuation.ExchangeCompleted", "valuation.ExchangeCancelled",
)  # fmt: skip
COUPON_EVENTS = ("coupon.CouponIssued", "coupon.CouponRedeemed", "coupon.CouponReleased", "coupon.CouponExpired", "coupon.CouponVoided")
EVENT_TYPES = (*PLAN_EVENTS, *EXCHANGE_EVENTS, *COUPON_EVENTS)
ALL = "*"
# What a partner must not learn from an event about its own business: the coupon's code is the
# customer's to spend (shown to the owner only), so it is removed from the copy a partner receives.
WITHHELD_FIELDS = {"coupon.CouponIssued": ("code",)}


def partner(key_id: str) -> str:
    return f"partner:{key_id}"


def store(store_id: str) -> str:
    return f"store:{store_id}"


def keys_and_stores(parties: set[str]) -> tuple[list[str], list[str]]:
    """The partner key ids and the store ids among these parties."""
    keys = [p.removeprefix("partner:") for p in parties if p.startswith("partner:")]
    return keys, [p.removeprefix("store:") for p in parties if p.startswith("store:")]


def exchange_parties(account_id: str, accepted_by: str, plan_store: str | None) -> set[str]:
    """The partner that accepted (not the customer accepting for themselves) and the plan's store."""
    parties = set()
    if accepted_by and accepted_by != account_id:
        parties.add(partner(accepted_by))
    if plan_store:
        parties.add(store(plan_store))
    return parties


@dataclass(frozen=True)
class Subscriber:
    """An endpoint as the fan-out sees it: whose it is and what it asked for."""

    partner_key_id: str
    store_id: str | None
    event_types: tuple[str, ...]

    def parties(self) -> set[str]:
        own = {partner(self.partner_key_id)}
        return own | {store(self.store_id)} if self.store_id else own

    def wants(self, event_type: str, parties: set[str]) -> bool:
        chosen = ALL in self.event_types or event_type in self.event_types
        return chosen and bool(self.parties() & parties)


def check_event_types(requested: list[str]) -> tuple[str, ...]:
    """The requested types, de-duplicated in order; `*` alone means all. Unknown names are refused by the caller."""
    unknown = [t for t in requested if t != ALL and t not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown[:5])}; known: {', '.join(EVENT_TYPES)} or *")
    if ALL in requested:
        return (ALL,)
    return tuple(dict.fromkeys(requested))
