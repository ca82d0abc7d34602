"""Prometheus figures for the event plumbing, exposed by each service's /metrics.

Gauges that need a scan (backlog, oldest age, lag, dead letters) are set on the relay's and the
consumer's housekeeping tick, never per message. Alert rules and dashboards use these exact names.
"""

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_PENDING = Gauge("outbox_pending", "Outbox events not yet published", ["source"])
OUTBOX_OLDEST_PENDING_AGE = Gauge(
    "outbox_oldest_pending_age_seconds", "Age of the oldest outbox event not yet published (0 when none)", ["source"]
)
EVENTS_PUBLISHED = Counter("events_published_total", "Events the relay published", ["source"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Events applied by a consumer", ["consumer", "type"])
EVENTS_DUPLICATE = Counter("events_duplicate_skipped_total", "Redelivered events skipped by the inbox", ["consumer"])
EVENTS_DEAD_LETTERED = Counter("events_dead_lettered_total", "Events sent to a DLQ", ["consumer", "topic"])
CONSUMER_LAG = Gauge(
    "consumer_lag", "Records on a partition not yet applied: high watermark minus the consumer's position", ["consumer", "topic", "partition"]
)
DEAD_LETTERS_PENDING = Gauge("dead_letters_pending", "Dead letters neither replayed nor discarded", ["consumer"])
HANDLER_DURATION = Histogram(
    "event_handler_duration_seconds", "Inbox check, handler and commit of one event", ["consumer", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# From the envelope's `time` (when the producing transaction wrote it) to the commit of its effect
# here: for the coupon consumer and valuation.ExchangeAccepted, accept → coupon credited.
DELIVERY_LATENCY = Histogram(
    "event_delivery_latency_seconds", "From the event's time to the commit of its effect", ["consumer", "type"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0),
)
