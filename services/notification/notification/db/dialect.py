"""The one statement that differs between SQLite and PostgreSQL here: insert unless it is already there."""

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignoring_duplicates(session: AsyncSession, table: Table, index_elements: list[str], **values: Any) -> Any:
    make_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return make_insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"
