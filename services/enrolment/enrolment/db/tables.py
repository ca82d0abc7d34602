"""The enrolment service's tables: plans, the live-device lock, the catalog read model, outbox, inbox, idempotency."""

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, MetaData, String, Table

from eventing.tables import add_consumer_positions, add_dead_letters, add_inbox, add_ops_audit, add_outbox
from servicekit.idempotency import add_idempotency_keys
from servicekit.types import UtcDateTime

metadata = MetaData()

plans = Table(
    "plans",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(30), nullable=False),
    Column("account_id", String(100), nullable=False),
    Column("store_id", String(100), nullable=False),
    Column("sold_by", String(100), nullable=False),  # the partner key that made the sale, for audit
    Column("model_id", String(100), nullable=False),
    Column("imei", String(15), nullable=False, index=True),
    Column("imei2", String(15), nullable=True, index=True),
    Column("invoice_number", String(100), nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("customer_phone", String(20), nullable=False),
    Column("srp_paise", Integer, nullable=False),
    Column("fee_paise", Integer, nullable=False),
    Column("schedule", JSON, nullable=False),  # frozen at the sale: [{starts_on, ends_on, percent, amount_paise}]
    Column("lapses_on", Date, nullable=False),
    Column("purchased_at", UtcDateTime, nullable=False),
    Column("exchange_id", String(40), nullable=True),
    # When the exchange now holding the plan was accepted: events of different exchanges arrive in
    # any order (keyed by exchange id), so the newest acceptance, not the latest arrival, holds it.
    Column("exchange_accepted_at", UtcDateTime, nullable=True),
    Column("refund_paise", Integer, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("redeemed_at", UtcDateTime, nullable=True),
    Column("traded_in_at", UtcDateTime, nullable=True),
    Column("lapsed_on", Date, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_plans_account", "account_id", "purchased_at", "id"),
    Index("ix_plans_due_to_lapse", "status", "lapses_on"),
)

# One row per IMEI of every live plan. Its primary key is what makes "one live plan per device"
# hold under concurrency on both SQLite and PostgreSQL: a second sale's insert fails.
live_devices = Table(
    "live_devices",
    metadata,
    Column("imei", String(15), primary_key=True),
    Column("plan_id", String(40), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True),
)

catalog_models = Table(
    "catalog_models",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("brand", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("smart_upgrade_eligible", Boolean, nullable=False),
    Column("fee_paise", Integer, nullable=True),
    Column("srp_history", JSON, nullable=False),  # [{effective_from, srp_paise}]
    Column("tacs", JSON, nullable=False),  # the model's TACs; a plan only asks "is this TAC the model's?"
    Column("updated_at", UtcDateTime, nullable=False),
)

outbox = add_outbox(metadata)
inbox = add_inbox(metadata)
dead_letters = add_dead_letters(metadata)
consumer_positions = add_consumer_positions(metadata)
ops_audit = add_ops_audit(metadata)
idempotency_keys = add_idempotency_keys(metadata)
