"""Which services consume which events: declared here for the AsyncAPI document, read nowhere else.

A service that subscribes to an event (`eventing.consumer.subscription(Contract, handler)` anywhere in
its package) must be listed here with that contract, and nothing more:
`tests/contract/test_asyncapi.py` reads every service's subscriptions and fails until the two agree.
To add a consumer, subscribe in the service, add a line here, then `python -m contracts.asyncapi
--write docs/asyncapi.json`.
"""

from contracts.base import Event
from contracts.catalog import ModelUpserted
from contracts.coupon import CouponExpired, CouponIssued, CouponRedeemed, CouponReleased, CouponVoided
from contracts.enrolment import PlanCancelled, PlanLapsed, PlanPurchased, PlanRedeemed
from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled, ExchangeCompleted

# Consumer service (its Kafka consumer group) → the contracts it subscribes to.
CONSUMERS: dict[str, tuple[type[Event], ...]] = {
    "enrolment": (ModelUpserted, ExchangeAccepted, ExchangeCompleted, ExchangeCancelled),
    "valuation": (
        ModelUpserted, PlanPurchased, PlanCancelled, PlanRedeemed, PlanLapsed,
        CouponIssued, CouponRedeemed, CouponReleased, CouponExpired, CouponVoided,
    ),
    "coupon": (ModelUpserted, ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled),
    "notification": (
        PlanPurchased, PlanCancelled, PlanRedeemed, PlanLapsed,
        ExchangeAccepted, ExchangeCancellationRequested, ExchangeCompleted, ExchangeCancelled,
        CouponIssued, CouponRedeemed, CouponReleased, CouponExpired, CouponVoided,
    ),
}
