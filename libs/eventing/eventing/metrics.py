"""Prometheus figures for the event plumbing, exposed by each service's /metrics."""

from prometheus_client import Counter, Gauge

OUTBOX_PENDING = Gauge("outbox_pending", "Outbox events not yet published", ["source"])
EVENTS_PUBLISHED = Counter("events_published_total", "Events the relay published", ["source"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Events applied by a consumer", ["consumer", "type"])
EVENTS_DUPLICATE = Counter("events_duplicate_skipped_total", "Redelivered events skipped by the inbox", ["consumer"])
EVENTS_DEAD_LETTERED = Counter("events_dead_lettered_total", "Events sent to a DLQ", ["consumer", "topic"])
