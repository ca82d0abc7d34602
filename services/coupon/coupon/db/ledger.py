"""The append-only coupon ledger: one row per thing that happened to a coupon, with actor and time."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from coupon.db.tables import ledger


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    type: str
    actor: str
    at: datetime
    detail: dict[str, Any]


# Built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_APPEND = insert(ledger)


async def append(session: AsyncSession, coupon_id: str, type_: str, actor: str, at: datetime, **detail: Any) -> None:
    """Record what happened; rows are never updated or deleted."""
    await session.execute(
        _APPEND, {"coupon_id": coupon_id, "type": type_, "actor": actor, "at": at, "detail": orjson.dumps(detail).decode()}
    )


async def entries(session: AsyncSession, coupon_id: str, after_seq: int | None, limit: int) -> list[LedgerEntry]:
    """A coupon's entries in the order they happened."""
    query = select(ledger).where(ledger.c.coupon_id == coupon_id)
    if after_seq is not None:
        query = query.where(ledger.c.seq > after_seq)
    rows = await session.execute(query.order_by(ledger.c.seq).limit(limit))
    return [LedgerEntry(row.seq, row.type, row.actor, row.at, orjson.loads(row.detail)) for row in rows]
