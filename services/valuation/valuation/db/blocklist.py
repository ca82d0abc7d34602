"""The IMEIs ops reported lost or stolen."""

from typing import cast

from sqlalchemy import CursorResult, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from valuation.db.tables import blocklist
from valuation.domain.device import BlockedImei


async def blocklisted(session: AsyncSession, imei: str) -> bool:
    return await session.scalar(select(blocklist.c.imei).where(blocklist.c.imei == imei)) is not None


async def get_block(session: AsyncSession, imei: str) -> BlockedImei | None:
    row = (await session.execute(select(blocklist).where(blocklist.c.imei == imei))).one_or_none()
    return BlockedImei(row.imei, row.reason, row.added_by, row.added_at) if row is not None else None


async def save_block(session: AsyncSession, block: BlockedImei) -> None:
    """Add the IMEI, or replace its entry (a re-worded reason)."""
    await session.execute(delete(blocklist).where(blocklist.c.imei == block.imei))
    await session.execute(insert(blocklist).values(imei=block.imei, reason=block.reason, added_by=block.added_by, added_at=block.added_at))


async def remove_block(session: AsyncSession, imei: str) -> bool:
    """Lift the block; False if the IMEI was not blocked."""
    result = cast(CursorResult, await session.execute(delete(blocklist).where(blocklist.c.imei == imei)))
    return result.rowcount > 0
