"""The statements that differ between SQLite and PostgreSQL here: INSERT … ON CONFLICT."""

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ByDialect:
    """One statement built once for each database: `of(session)` picks this session's (SQLite for any but PostgreSQL)."""

    sqlite: Any
    postgresql: Any

    def of(self, session: AsyncSession) -> Any:
        return self.postgresql if is_postgres(session) else self.sqlite


def by_dialect(build: Callable[[Callable[[Table], Any]], Any]) -> ByDialect:
    """`build(insert)` once with SQLite's INSERT and once with PostgreSQL's."""
    return ByDialect(sqlite=build(sqlite.insert), postgresql=build(postgresql.insert))


def ignoring_duplicates(table: Table, index_elements: list[str]) -> ByDialect:
    """INSERT … ON CONFLICT (index_elements) DO NOTHING, its values given at execution as a dict of column values."""
    return by_dialect(lambda insert: insert(table).on_conflict_do_nothing(index_elements=index_elements))
