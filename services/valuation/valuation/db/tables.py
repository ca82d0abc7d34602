"""Valuation's tables: read models, prices, blocklist, quotes, exchanges, inspections, outbox/inbox, idempotency."""

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text, false

from eventing.tables import add_consumer_positions, add_dead_letters, add_inbox, add_ops_audit, add_outbox
from servicekit.idempotency import add_idempotency_keys
from servicekit.types import UtcDateTime

metadata = MetaData()

# Read model of the catalog (ModelUpserted): only what valuation decides with.
models = Table(
    "models",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("brand", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("exchange_eligible", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

model_tacs = Table(
    "model_tacs",
    metadata,
    Column("tac", String(8), primary_key=True),
    Column("model_id", String(100), nullable=False, index=True),
)

# Read model of Smart Upgrade plans (enrolment events), found by either IMEI.
plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(64), primary_key=True),
    Column("account_id", String(100), nullable=False),
    Column("model_id", String(100), nullable=False),
    Column("imei", String(15), nullable=False, index=True),
    Column("imei2", String(15), nullable=True, index=True),
    Column("status", String(20), nullable=False),  # active | cancelled | redeemed | lapsed | traded_in
    Column("schedule", JSON, nullable=False),
    Column("lapses_on", Date, nullable=False),
)

market_prices = Table(
    "market_prices",
    metadata,
    Column("model_id", String(100), primary_key=True),
    Column("price_paise", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

partner_prices = Table(
    "partner_prices",
    metadata,
    Column("model_id", String(100), primary_key=True),
    Column("price_paise", Integer, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
)

blocklist = Table(
    "blocklist",
    metadata,
    Column("imei", String(15), primary_key=True),
    Column("reason", String(500), nullable=False),
    Column("added_by", String(100), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", String(100), nullable=False, index=True),
    Column("partner_key", String(100), nullable=True),  # the partner that asked for it, if any
    Column("imei", String(15), nullable=False),
    Column("model_id", String(100), nullable=False),
    Column("condition", JSON, nullable=False),
    Column("market_price_paise", Integer, nullable=False),
    Column("deductions", JSON, nullable=False),
    Column("market_offer_paise", Integer, nullable=False),
    Column("assured", JSON, nullable=True),
    Column("amount_paise", Integer, nullable=False),
    Column("program", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # offered | accepted (expired is derived from expires_at)
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

exchanges = Table(
    "exchanges",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("quote_id", String(40), nullable=False, unique=True),
    Column("account_id", String(100), nullable=False),
    Column("imei", String(15), nullable=False),
    Column("model_id", String(100), nullable=False),
    Column("amount_paise", Integer, nullable=False),
    Column("program", String(20), nullable=False),
    Column("plan_id", String(64), nullable=True),
    Column("status", String(20), nullable=False),
    # Set only while the exchange is open: the unique constraints are "one device at a time",
    # enforced by the database under any concurrency (NULLs never collide).
    Column("open_account_id", String(100), nullable=True, unique=True),
    Column("open_imei", String(15), nullable=True, unique=True),
    Column("accepted_by", String(100), nullable=False),
    Column("partner_key", String(100), nullable=True),
    Column("handover_partner_key", String(100), nullable=True),
    Column("coupon_id", String(64), nullable=True),
    Column("coupon_code", String(64), nullable=True),
    Column("discounted_paise", Integer, nullable=False, default=0),
    Column("cancel_reason", String(40), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # A retail partner accepted in store asserting the old phone was there (a stronger claim to the
    # IMEI than an online accept); and, for an exchange taken over that way, the exchange that did it.
    Column("device_present", Boolean, nullable=False, default=False, server_default=false()),
    Column("superseded_by", String(40), nullable=True),
    Index("ix_exchanges_account_created", "account_id", "created_at", "id"),
)

inspections = Table(
    "inspections",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("exchange_id", String(40), nullable=False, index=True),
    Column("partner_key", String(100), nullable=False),
    Column("imei", String(15), nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("condition", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("repriced_paise", Integer, nullable=True),
    Column("notes", Text, nullable=True),
    Column("inspected_at", UtcDateTime, nullable=False),
)

outbox = add_outbox(metadata)
inbox = add_inbox(metadata)
dead_letters = add_dead_letters(metadata)
consumer_positions = add_consumer_positions(metadata)
ops_audit = add_ops_audit(metadata)
idempotency_keys = add_idempotency_keys(metadata)
