"""What ops watch: webhook attempts by outcome and their latency, endpoints disabled, customer messages by outcome."""

from prometheus_client import Counter, Histogram

WEBHOOK_ATTEMPTS = Counter(
    "webhook_attempts_total", "Webhook delivery attempts, by outcome (succeeded, retrying, failed)", ["outcome"]
)
WEBHOOK_LATENCY = Histogram(
    "webhook_attempt_seconds", "Time from sending a webhook to the receiver's status line", buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
)
ENDPOINTS_DISABLED = Counter("webhook_endpoints_disabled_total", "Endpoints disabled after failing for the whole disable window")
CUSTOMER_MESSAGES = Counter("customer_messages_total", "Customer messages by reason and outcome (sent, skipped, retrying, failed)", ["reason", "outcome"])
