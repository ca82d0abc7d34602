"""The catalog's tables, its outbox and its idempotency keys."""

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, MetaData, String, Table

from eventing.tables import add_ops_audit, add_outbox
from servicekit.idempotency import add_idempotency_keys
from servicekit.types import UtcDateTime

metadata = MetaData()

models = Table(
    "models",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("brand", String(50), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("ram_gb", Integer, nullable=True),
    Column("storage_gb", Integer, nullable=True),
    Column("launch_date", Date, nullable=True),
    Column("smart_upgrade_eligible", Boolean, nullable=False),
    Column("smart_upgrade_fee_paise", Integer, nullable=True),
    Column("exchange_eligible", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

srp_points = Table(
    "srp_points",
    metadata,
    Column("model_id", String(100), ForeignKey("models.id", ondelete="CASCADE"), primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("srp_paise", Integer, nullable=False),
)

tacs = Table(
    "tacs",
    metadata,
    Column("tac", String(8), primary_key=True),
    Column("model_id", String(100), ForeignKey("models.id", ondelete="CASCADE"), nullable=False, index=True),
)

outbox = add_outbox(metadata)
ops_audit = add_ops_audit(metadata)
idempotency_keys = add_idempotency_keys(metadata)
