"""The Idempotency-Key mechanism (SPEC §8), kept in the service's own database.

A key is scoped to the principal and the endpoint. The claim of the key, the effect and the stored
response commit together in ONE transaction, so a response is stored exactly when the effect
happened, and a request that fails or crashes leaves nothing behind: its transaction rolls back,
claim included, and a retry with the key runs afresh. Replays get the stored bytes back with
`Idempotent-Replayed: true`; the same key with another body is refused (422
`idempotency_key_reused`). A final refusal (a non-retryable 4xx) is stored in a second transaction
after the effect's rollback, so the same request gets the same refusal; a retryable one is not.

Two requests with the same key at once never both apply, and the second is told at once (SPEC §8:
409 `idempotency_key_in_flight`) rather than queued behind the first: within one process a set of the
keys whose request is running answers it; across processes (PostgreSQL replicas) the key's
transaction-scoped advisory lock, tried without waiting. The claim itself is an INSERT … ON CONFLICT DO
NOTHING, so even a request that got past both checks could only wait for the first and replay its
answer. A claim without an answer can only be one committed by an older version of this code (which
claimed in a transaction of its own); within `IDEMPOTENCY_LEASE_SECONDS` it answers 409 too, after that
it is taken over: the lease is only that safety net.
"""

import asyncio
import functools
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.principal import Principal, principal_of
from servicekit.problems import PROBLEM_JSON, Problem, problem_body

HEADER = "idempotency-key"
RETENTION = timedelta(hours=24)
LEASE = timedelta(seconds=60)

Effect = Callable[[AsyncSession], Awaitable[tuple[int, BaseModel]]]

# (database, scope, key) of each keyed request running in this process.
_RUNNING: set[tuple[int, str, str]] = set()


def _in_flight() -> Problem:
    return Problem(409, "idempotency_key_in_flight", "A request with this Idempotency-Key is still being processed.")


def add_idempotency_keys(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(300), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),  # null while the first request runs
        Column("content_type", String(100), nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


class Idempotency:
    """Runs one use case in one transaction, honouring an Idempotency-Key when the client sends one."""

    def __init__(
        self, db: Database, table: Table, clock: Clock, request: Request, principal: Principal, body: bytes, lease: timedelta = LEASE
    ) -> None:
        self.db = db
        self.lease = lease
        self.table = table
        self.clock = clock
        self.key = request.headers.get(HEADER)
        route = request.scope.get("route")
        self.scope = f"{principal.scope_key()} {request.method} {getattr(route, 'path', request.url.path)}"
        self.request_hash = hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n" + body).hexdigest()

    async def run(self, effect: Effect) -> Response:
        """Apply `effect` once; return its response (or the stored one for a replay)."""
        if self.key is None:
            async with self.db.transaction() as session:
                status, model = await effect(session)
            return _json(status, model)
        if len(self.key) > 200:
            raise Problem(422, "validation_error", "Idempotency-Key is too long.", [{"field": "Idempotency-Key", "message": "at most 200 characters"}])
        running = (id(self.db), self.scope, self.key)
        if running in _RUNNING:
            raise _in_flight()
        _RUNNING.add(running)
        try:
            return await self._run_keyed(effect)
        finally:
            _RUNNING.discard(running)

    async def _run_keyed(self, effect: Effect) -> Response:
        assert self.key is not None
        refusal: Problem | None = None
        try:
            async with self.db.transaction() as session:
                replay = await self._claim(session)
                if replay is not None:
                    return replay
                try:
                    status, model = await effect(session)
                except Problem as problem:
                    if not problem.retryable:
                        refusal = problem
                    raise  # rolls the effect back, and the claim with it
                response = _json(status, model)
                await self._store(session, response)
            return response
        except Problem as problem:
            if problem is not refusal:
                raise
        # A refusal is an answer too: the same request gets the same refusal back.
        response = Response(orjson.dumps(problem_body(refusal.status, refusal.code, refusal.detail, refusal.errors, **refusal.extra)), refusal.status, media_type=PROBLEM_JSON)
        async with self.db.transaction() as session:
            if (replay := await self._claim(session)) is not None:
                return replay  # a concurrent request with the key answered first: one answer per key
            await self._store(session, response)
        return response

    def _this_key(self):
        return (self.table.c.scope == self.scope) & (self.table.c.key == self.key)

    async def _claim(self, session: AsyncSession) -> Response | None:
        """Claim the key in the caller's transaction (None), or answer with what the key already holds."""
        now = self.clock.now()
        values = {"scope": self.scope, "key": self.key, "request_hash": self.request_hash, "created_at": now}
        if self.db.is_postgres:  # another replica runs a request with this key: say so rather than wait for it
            locked = await session.scalar(text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"{self.scope}\n{self.key}"})
            if not locked:
                raise _in_flight()
        # Waits while another transaction holds an uncommitted claim of the key, then inserts or does nothing.
        claimed = await session.execute(_statements(self.table, self.db.is_postgres).claim, values)
        if claimed.first() is not None:
            return None
        row = (await session.execute(select(self.table).where(self._this_key()).with_for_update())).one_or_none()
        if row is None:  # purged in between
            await session.execute(insert(self.table).values(values))
            return None
        if _aware(row.created_at) < now - RETENTION:
            await session.execute(update(self.table).where(self._this_key()).values(values | {"status_code": None, "content_type": None, "body": None}))
            return None
        if row.request_hash != self.request_hash:
            raise Problem(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request.")
        if row.status_code is not None:
            return Response(row.body, row.status_code, media_type=row.content_type, headers={"Idempotent-Replayed": "true"})
        if _aware(row.created_at) > now - self.lease:
            raise _in_flight()
        # A claim committed without an answer by an older version whose request died; this one takes it over.
        await session.execute(update(self.table).where(self._this_key()).values(created_at=now))
        return None

    async def _store(self, session: AsyncSession, response: Response) -> None:
        answer = {"status_code": response.status_code, "content_type": response.media_type, "body": bytes(response.body)}
        await session.execute(_statements(self.table, self.db.is_postgres).answer, answer | {"the_scope": self.scope, "the_key": self.key})


@dataclass(frozen=True)
class _Statements:
    claim: Any  # INSERT … ON CONFLICT DO NOTHING RETURNING key
    answer: Any  # UPDATE … SET the stored answer WHERE this key


@functools.cache
def _statements(table: Table, postgres: bool) -> _Statements:
    """A keyed write's two statements, built once per table: building one costs more than running it on SQLite."""
    dialect = postgresql if postgres else sqlite
    this_key = (table.c.scope == bindparam("the_scope")) & (table.c.key == bindparam("the_key"))
    answer = update(table).where(this_key).values(status_code=bindparam("status_code"), content_type=bindparam("content_type"), body=bindparam("body"))
    return _Statements(dialect.insert(table).on_conflict_do_nothing().returning(table.c.key), answer)


def _json(status: int, model: BaseModel) -> Response:
    return Response(model.model_dump_json().encode(), status, media_type="application/json")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def purge_expired_keys(db: Database, table: Table, clock: Clock, every_seconds: float = 3600.0) -> None:
    """Worker: drop keys past their 24 h, so the table holds a day of keys, not all of history."""
    while True:
        async with db.transaction() as session:
            await session.execute(delete(table).where(table.c.created_at < clock.now() - RETENTION))
        await asyncio.sleep(every_seconds)


async def idempotency(request: Request) -> Idempotency:
    """FastAPI dependency: the request's idempotency runner, bound to the app's database."""
    state = request.app.state
    settings = getattr(state, "settings", None)
    lease = timedelta(seconds=settings.idempotency_lease_seconds) if settings is not None else LEASE
    return Idempotency(state.db, state.idempotency_table, state.clock, request, await principal_of(request), await request.body(), lease)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
