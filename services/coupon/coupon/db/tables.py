"""The coupon service's tables: coupons, redemptions, the ledger, a catalog read model, outbox and inbox."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text

from eventing.tables import add_consumer_positions, add_dead_letters, add_inbox, add_ops_audit, add_outbox
from servicekit.idempotency import add_idempotency_keys
from servicekit.types import UtcDateTime

metadata = MetaData()

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")

coupons = Table(
    "coupons",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("code", String(19), nullable=False, unique=True),
    # One coupon per exchange, enforced here rather than trusted to the inbox.
    Column("exchange_id", String(64), nullable=False, unique=True),
    Column("account_id", String(100), nullable=False),
    Column("amount_paise", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("void_reason", String(50), nullable=True),
    # Set when the exchange is cancelled while an order holds the coupon: a later release voids it.
    Column("exchange_cancelled_reason", String(50), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_coupons_account", "account_id", "issued_at"),
    Index("ix_coupons_due", "status", "expires_at"),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("coupon_id", String(40), ForeignKey("coupons.id"), nullable=False, index=True),
    # Equals coupon_id while the redemption holds the coupon, null once released: at most one live
    # redemption per coupon, whatever the isolation level (NULLs never collide in a unique index).
    Column("live_coupon_id", String(40), nullable=True, unique=True),
    Column("order_id", String(100), nullable=False),
    Column("account_id", String(100), nullable=False),
    Column("line_id", String(100), nullable=False),
    Column("model_id", String(100), nullable=False),
    Column("unit_price_paise", BigInteger, nullable=False),
    Column("discount_paise", BigInteger, nullable=False),
    Column("forfeited_paise", BigInteger, nullable=False),
    Column("redeemed_by", String(200), nullable=False),
    Column("redeemed_at", UtcDateTime, nullable=False),
    Column("released_by", String(200), nullable=True),
    Column("released_at", UtcDateTime, nullable=True),
)

# Append-only: the service only ever inserts here.
ledger = Table(
    "coupon_ledger",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("coupon_id", String(40), ForeignKey("coupons.id"), nullable=False, index=True),
    Column("type", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("detail", Text, nullable=False),  # JSON object
)

# What the catalog says each model is; eligibility (brand, category) is decided from config at use.
catalog_models = Table(
    "catalog_models",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("brand", String(50), nullable=False),
    Column("category", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# An exchange cancelled (or asked to be) before its coupon was minted: a late ExchangeAccepted
# (say, replayed from the dead-letter topic) then mints the coupon void.
exchange_cancellations = Table(
    "exchange_cancellations",
    metadata,
    Column("exchange_id", String(64), primary_key=True),
    Column("reason", String(50), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

outbox = add_outbox(metadata)
inbox = add_inbox(metadata)
dead_letters = add_dead_letters(metadata)
consumer_positions = add_consumer_positions(metadata)
ops_audit = add_ops_audit(metadata)
idempotency_keys = add_idempotency_keys(metadata)
