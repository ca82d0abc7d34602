"""The notification service's tables: webhook endpoints and deliveries, customer messages, read models,
inbox, and the event-ops tables (dead letters, consumer positions, ops audit).

It publishes no event today; its outbox is there as in every service (tools and the scaled run read
each service's outbox), and its inbox, event-ops tables and idempotency keys are the shared ones.
"""

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from eventing.tables import add_consumer_positions, add_dead_letters, add_inbox, add_ops_audit, add_outbox
from servicekit.idempotency import add_idempotency_keys
from servicekit.types import UtcDateTime

metadata = MetaData()

endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("partner_key_id", String(200), nullable=False),
    Column("store_id", String(200), nullable=True),
    Column("url", Text, nullable=False),
    Column("event_types", Text, nullable=False),  # JSON list; ["*"] for all
    Column("description", String(200), nullable=False),
    # Fernet ciphertexts (service/secrets.py): a copy of the database alone signs nothing.
    Column("secret", Text, nullable=False),
    # Secrets replaced within the overlap: JSON [[ciphertext, until ISO]], each still signing until its time.
    # More than one only after rotations in quick succession (a retried rotation loses no secret a partner holds).
    Column("previous_secrets", Text, nullable=False),
    Column("previous_secret_until", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),  # enabled | disabled
    Column("disabled_reason", String(500), nullable=True),
    Column("disabled_at", UtcDateTime, nullable=True),
    # Set at the first failed attempt after a success, cleared by the next success.
    Column("failing_since", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # One endpoint per URL per partner: a retried registration is answered 409 with the existing id.
    UniqueConstraint("partner_key_id", "url", name="uq_webhook_endpoints_partner_url"),
    Index("ix_webhook_endpoints_partner", "partner_key_id", "created_at"),
)

deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),  # the webhook-id receivers dedupe on
    Column("endpoint_id", String(40), ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),  # the CloudEvent exactly as posted
    Column("status", String(20), nullable=False),  # pending | delivering | succeeded | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_token", String(40), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("last_latency_ms", Integer, nullable=True),
    Column("last_attempt_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    # An event reaches an endpoint once, whatever the broker redelivers.
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
)

# The order of one subject's events as this service consumed them (each aggregate's events share a partition).
subject_sequences = Table(
    "subject_sequences",
    metadata,
    Column("subject", String(200), primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)

# Events about a coupon whose exchange has not arrived yet (another topic): fanned out when it does.
parked_events = Table(
    "parked_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("exchange_id", String(64), nullable=False, index=True),
    Column("sequence", BigInteger, nullable=False),
    Column("envelope", Text, nullable=False),
    Column("parked_at", UtcDateTime, nullable=False),
)

# Read models: whose plans, exchanges and coupons these are, and whether a reminder still applies.
plans = Table(
    "plans",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(100), nullable=False),
    Column("store_id", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # active | cancelled | redeemed | lapsed
    Column("updated_at", UtcDateTime, nullable=False),
)

exchanges = Table(
    "exchanges",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(100), nullable=False),
    Column("parties", Text, nullable=False),  # JSON list of partner:/store: parties
    Column("updated_at", UtcDateTime, nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("exchange_id", String(64), nullable=False),
    Column("account_id", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # active | redeemed | expired | voided
    Column("expires_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

messages = Table(
    "customer_messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", String(100), nullable=False),
    Column("reason", String(40), nullable=False),
    # At most one message per reason: `coupon_expiring:<coupon>`, `value_dropping:<plan>:<date>` …
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("about", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),  # scheduled | sending | sent | skipped | failed
    Column("attempts", Integer, nullable=False),
    Column("lease_token", String(40), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("channel", String(20), nullable=True),
    Column("skip_reason", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Index("ix_customer_messages_due", "status", "due_at"),
    Index("ix_customer_messages_account", "account_id", "sent_at"),
)

preferences = Table(
    "notification_preferences",
    metadata,
    Column("account_id", String(100), primary_key=True),
    Column("reminders", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

outbox = add_outbox(metadata)
inbox = add_inbox(metadata)
# Events the consumer could not apply, parked for ops (servicekit.eventops); its lag; what ops did.
dead_letters = add_dead_letters(metadata)
consumer_positions = add_consumer_positions(metadata)
ops_audit = add_ops_audit(metadata)
idempotency_keys = add_idempotency_keys(metadata)
