"""The Idempotency-Key mechanism (SPEC §8), kept in the service's own database.

A key is scoped to the principal and the endpoint. The first request claims the key in a short
transaction; its effect and its stored response then commit together in one transaction, so a
response is stored exactly when the effect happened. Replays get the stored bytes back with
`Idempotent-Replayed: true`; the same key with another body is refused; a key whose first request
is still running answers 409. A claim left behind by a crashed request is taken over after a lease.
"""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import orjson
from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
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
        replay = await self._claim()
        if replay is not None:
            return replay
        try:
            async with self.db.transaction() as session:
                status, model = await effect(session)
                response = _json(status, model)
                await self._store(session, response)
            return response
        except Problem as problem:
            if problem.retryable:
                await self._release()
                raise
            # A refusal is an answer too: the same request gets the same refusal back.
            response = Response(orjson.dumps(problem_body(problem.status, problem.code, problem.detail, problem.errors, **problem.extra)), problem.status, media_type=PROBLEM_JSON)
            async with self.db.transaction() as session:
                await self._store(session, response)
            return response
        except BaseException:
            await self._release()
            raise

    async def _release(self) -> None:
        """Give the key up, so a retry with it runs the request again."""
        async with self.db.transaction() as session:
            await session.execute(delete(self.table).where(self._this_key()))

    def _this_key(self):
        return (self.table.c.scope == self.scope) & (self.table.c.key == self.key)

    async def _claim(self) -> Response | None:
        now = self.clock.now()
        try:
            async with self.db.transaction() as session:
                row = (await session.execute(select(self.table).where(self._this_key()).with_for_update())).one_or_none()
                if row is None or _aware(row.created_at) < now - RETENTION:
                    await session.execute(delete(self.table).where(self._this_key()))
                    await session.execute(insert(self.table).values(scope=self.scope, key=self.key, request_hash=self.request_hash, created_at=now))
                    return None
                if row.request_hash != self.request_hash:
                    raise Problem(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request.")
                if row.status_code is not None:
                    return Response(row.body, row.status_code, media_type=row.content_type, headers={"Idempotent-Replayed": "true"})
                if _aware(row.created_at) > now - self.lease:
                    raise Problem(409, "idempotency_key_in_flight", "A request with this Idempotency-Key is still being processed.")
                # The first request died holding the claim; this one takes it over.
                await session.execute(update(self.table).where(self._this_key()).values(created_at=now))
                return None
        except IntegrityError as exc:  # PostgreSQL: another request claimed the key a moment ago
            raise Problem(409, "idempotency_key_in_flight", "A request with this Idempotency-Key is still being processed.") from exc

    async def _store(self, session: AsyncSession, response: Response) -> None:
        await session.execute(
            update(self.table).where(self._this_key()).values(status_code=response.status_code, content_type=response.media_type, body=bytes(response.body))
        )


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
