"""The statements that differ between SQLite and PostgreSQL here: INSERT … ON CONFLICT."""

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT for this session's database."""
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(table)


def insert_ignoring_duplicates(session: AsyncSession, table: Table, index_elements: list[str], **values: Any) -> Any:
    return dialect_insert(session, table).values(**values).on_conflict_do_nothing(index_elements=index_elements)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"
