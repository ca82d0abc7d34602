"""SQLite sessions that run in place, on the event loop's thread.

SQLAlchemy's asyncio support with aiosqlite sends every call (begin, each statement, each fetch,
commit) to aiosqlite's thread and waits for the answer on the event loop, through a greenlet and a
future. On a busy service that trip was what a write cost most: the thread needs the GIL back from the
loop (up to the interpreter's 5 ms switch interval while the loop serves other requests), SQLite's one
writer connection stays held through every trip, and the adaptation layers cost more CPU than SQLite
itself (`bench/sqlite_paths.py` times a begin, insert, select and commit through each layer;
docs/performance.md, "SQLite in place").

So on SQLite a service's sessions are `InlineSession`s: the AsyncSession API every repository uses,
over a plain (pysqlite) Session whose statements run at once. That is safe because nothing waits
inside SQLite: the one writer connection is handed out under an asyncio lock (servicekit/db.py), so
BEGIN IMMEDIATE never waits for another connection of the process, and WAL readers never wait for
the writer. Only another *process* writing the same file (the embedded default never does: one
process per service database) could make the loop wait, for up to the busy timeout.

PostgreSQL keeps asyncpg and the ordinary AsyncSession: there the driver is truly asynchronous.
"""

from typing import Any

from sqlalchemy import Engine, util
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

# What AsyncSession passes with every statement: rows are fetched before execute() returns, so a
# result never holds a cursor open past its statement (as with the async driver).
_BUFFERED = util.immutabledict({"prebuffer_rows": True})


def _options(execution_options: Any) -> Any:
    return util.immutabledict(execution_options).union(_BUFFERED) if execution_options else _BUFFERED


class InlineSession(AsyncSession):
    """An AsyncSession whose statements run in place on a sync Session (SQLite only).

    Only the calls a request makes many times are taken in place (execute, scalar, scalars, closing);
    begin, commit and rollback keep AsyncSession's path, which runs the sync call in a greenlet: with
    no awaitable driver underneath it completes without leaving the event loop's turn.
    """

    async def execute(
        self, statement: Any, params: Any = None, *, execution_options: Any = util.EMPTY_DICT, bind_arguments: Any = None, **kw: Any
    ) -> Any:
        return self.sync_session.execute(statement, params, execution_options=_options(execution_options), bind_arguments=bind_arguments, **kw)

    async def scalar(
        self, statement: Any, params: Any = None, *, execution_options: Any = util.EMPTY_DICT, bind_arguments: Any = None, **kw: Any
    ) -> Any:
        return self.sync_session.scalar(statement, params, execution_options=_options(execution_options), bind_arguments=bind_arguments, **kw)

    async def scalars(
        self, statement: Any, params: Any = None, *, execution_options: Any = util.EMPTY_DICT, bind_arguments: Any = None, **kw: Any
    ) -> Any:
        return self.sync_session.scalars(statement, params, execution_options=_options(execution_options), bind_arguments=bind_arguments, **kw)

    async def close(self) -> None:
        self.sync_session.close()

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        # AsyncSession shields its close in a task of its own; closing in place cannot be interrupted.
        await self.close()


def session_class_for(engine: Engine) -> Any:
    """The sync Session an InlineSession wraps, bound to `engine` (AsyncSession passes bind=None)."""

    def make(bind: Any = None, binds: Any = None, **kw: Any) -> Session:
        return Session(bind=engine, **kw)

    return make
