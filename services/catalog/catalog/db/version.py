"""A cheap fingerprint of the whole catalog: it changes whenever any model is written, by any process."""

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Every write replaces the model's row (repository.save), so the row's version changes with it:
# PostgreSQL's xmin (the writing transaction), SQLite's rowid and updated_at. Independent of commit
# order, unlike a max(id) or max(updated_at), which a slower transaction can commit below.
_POSTGRES = "SELECT count(*), coalesce(md5(string_agg(id || ':' || xmin::text, ',' ORDER BY id)), '') FROM models"
_SQLITE = "SELECT count(*), coalesce(group_concat(id || ':' || rowid || ':' || updated_at, ','), '') FROM models"


async def catalog_version(session: AsyncSession) -> str:
    """One short query; the same string as long as no model was written."""
    postgres = session.get_bind().dialect.name == "postgresql"
    count, rows = (await session.execute(text(_POSTGRES if postgres else _SQLITE))).one()
    return f"{count}:{rows if postgres else hashlib.sha256(rows.encode()).hexdigest()}"
