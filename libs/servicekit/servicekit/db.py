"""Async database access: SQLite (embedded default) and PostgreSQL (production).

SQLite ignores SELECT ... FOR UPDATE, so write transactions start with BEGIN IMMEDIATE and go
through a single writer connection: writes are serialised per database, reads run beside them
under WAL. SQLite's statements run in place on the event loop's thread (servicekit/sqlite_inline.py
says why and when that is safe), so the writer and the readers are handed out under asyncio locks,
never by a pool that would block the loop. On PostgreSQL one asyncpg pool serves both and row locks
do their usual work.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from servicekit.sqlite_inline import InlineSession, session_class_for


def async_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def sync_url(url: str) -> str:
    """The same SQLite database through the standard library's driver (sessions run in place)."""
    return "sqlite+pysqlite://" + url.split("://", 1)[1]


def _sqlite_engine(url: str, immediate: bool, pool_size: int) -> Engine:
    # Checked out only under the Database's asyncio locks, so the pool never waits (it would block the loop).
    engine = create_engine(sync_url(url), pool_size=pool_size, max_overflow=0, pool_timeout=1, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Engines and sessions for one service's database."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.is_postgres = self.url.startswith("postgresql")
        self.writer: AsyncEngine | Engine
        self.reader: AsyncEngine | Engine
        self._write_sessions: async_sessionmaker[AsyncSession]
        self._read_sessions: async_sessionmaker[AsyncSession]
        if self.is_sqlite:
            database = make_url(self.url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.writer = _sqlite_engine(self.url, immediate=True, pool_size=1)
            self.reader = _sqlite_engine(self.url, immediate=False, pool_size=pool_size)
            self._write_sessions = async_sessionmaker(class_=InlineSession, sync_session_class=session_class_for(self.writer), expire_on_commit=False)
            self._read_sessions = async_sessionmaker(class_=InlineSession, sync_session_class=session_class_for(self.reader), expire_on_commit=False)
            # A transaction may await other things (a Redis call, a lock) while it holds its connection.
            self._writer_free: asyncio.Lock | None = asyncio.Lock()
            self._readers_free: asyncio.Semaphore | None = asyncio.Semaphore(pool_size)
        else:
            self.writer = self.reader = create_async_engine(self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
            self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
            self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
            self._writer_free = self._readers_free = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits when the block ends, rolls back if it raises."""
        async with self._writer_free or nullcontext(), self._write_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only; nothing it does is committed."""
        async with self._readers_free or nullcontext(), self._read_sessions() as session, session.begin():
            yield session

    async def run_sync(self, work: Callable[[Connection], Any]) -> Any:
        """`work(connection)` in one write transaction on a plain SQLAlchemy Connection (creating tables in tests)."""
        if isinstance(self.writer, AsyncEngine):
            async with self.writer.begin() as connection:
                return await connection.run_sync(work)
        assert self._writer_free is not None
        async with self._writer_free:
            with self.writer.begin() as connection:
                return work(connection)

    async def ping(self) -> bool:
        try:
            async with self.reading() as session:
                await session.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        for engine in {id(self.writer): self.writer, id(self.reader): self.reader}.values():
            if isinstance(engine, AsyncEngine):
                await engine.dispose()
            else:
                engine.dispose()
