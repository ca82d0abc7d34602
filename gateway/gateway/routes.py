"""Which service answers which public path."""

# Longest prefixes first is not needed: none of these is a prefix of another.
ROUTES: list[tuple[str, str]] = [
    ("/api/v1/catalog", "catalog"),
    ("/api/v1/plans", "enrolment"),
    ("/api/v1/me/plans", "enrolment"),
    ("/api/v1/quotes", "valuation"),
    ("/api/v1/exchanges", "valuation"),
    ("/api/v1/me/exchanges", "valuation"),
    ("/api/v1/blocklist", "valuation"),
    ("/api/v1/market-prices", "valuation"),
    ("/api/v1/coupons", "coupon"),
    ("/api/v1/me/coupons", "coupon"),
    ("/api/v1/webhooks", "notification"),
    ("/api/v1/me/notifications", "notification"),
    # Event-flow tools for ops (dead letters, outbox, consumer lag), one prefix per service.
    ("/api/v1/ops/catalog", "catalog"),
    ("/api/v1/ops/enrolment", "enrolment"),
    ("/api/v1/ops/valuation", "valuation"),
    ("/api/v1/ops/coupon", "coupon"),
    ("/api/v1/ops/notification", "notification"),
]


def service_for(path: str) -> str | None:
    """The service behind a path, or None when no service serves it."""
    for prefix, service in ROUTES:
        if path == prefix or path.startswith(prefix + "/"):
            return service
    return None


def is_coupon_lookup(path: str) -> bool:
    """GET /api/v1/coupons/{code} or its events: what a code guesser would hammer."""
    return path.startswith("/api/v1/coupons/") and "/redemptions" not in path
