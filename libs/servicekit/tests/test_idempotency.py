"""Idempotency-Key: one effect per key, replays byte for byte (also to a request that raced the first), refusals of reuse."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.app import create_service_app
from servicekit.clock import FixedClock
from servicekit.idempotency import IdempotencyDep, add_idempotency_keys
from servicekit.problems import Problem
from servicekit.settings import ServiceSettings
from servicekit.testing import backends, principal_headers, scratch_database, service_client

metadata = MetaData()
keys = add_idempotency_keys(metadata)
effects = Table("effects", metadata, Column("n", Integer, primary_key=True, autoincrement=True))
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Done(BaseModel):
    effects: int


def build_router(gate: asyncio.Event, refusals: list[Exception], entered: asyncio.Event, arrivals: list[str]) -> APIRouter:
    router = APIRouter()

    @router.post("/things", status_code=201)
    async def make_thing(request: Request, idempotency: IdempotencyDep) -> Response:
        arrivals.append(request.headers.get("idempotency-key", ""))

        async def effect(session: AsyncSession) -> tuple[int, BaseModel]:
            entered.set()  # this request has claimed its key and runs its effect
            await gate.wait()
            if refusals:
                raise refusals.pop(0)
            await session.execute(insert(effects))
            return 201, Done(effects=int(await session.scalar(select(func.count()).select_from(effects)) or 0))

        return await idempotency.run(effect)

    return router


@dataclass
class Things:
    """A client of the /things app, and the levers its effect is held, refused and timed by."""

    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    gate: asyncio.Event  # the effect waits for it
    refusals: list[Exception]  # raised by the next effects, one each (a Problem, or a crash)
    entered: asyncio.Event  # set once an effect has started
    arrivals: list[str]  # the Idempotency-Key of every request that reached the endpoint


@pytest.fixture(params=backends())
async def things(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Things]:
    async with scratch_database(request.param, tmp_path) as url:
        gate, entered = asyncio.Event(), asyncio.Event()
        refusals: list[Exception] = []
        arrivals: list[str] = []
        gate.set()
        clock = FixedClock(NOW)
        app = create_service_app("test", ServiceSettings(), [build_router(gate, refusals, entered, arrivals)], database_url=url, clock=clock, idempotency_table=keys)
        async with app.router.lifespan_context(app):
            await app.state.db.run_sync(metadata.create_all)
            async with service_client(app, "http://t", headers=principal_headers("customer", "acc-1")) as client:
                yield Things(client, app, clock, gate, refusals, entered, arrivals)


async def test_a_replay_returns_the_first_answer_byte_for_byte_and_applies_nothing_more(things: Things) -> None:
    first = await things.http.post("/things", json={"a": 1}, headers={"Idempotency-Key": "k1"})
    again = await things.http.post("/things", json={"a": 1}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert (await things.http.post("/things", json={"a": 1})).json() == {"effects": 2}


async def test_the_same_key_with_another_body_is_refused(things: Things) -> None:
    await things.http.post("/things", json={"a": 1}, headers={"Idempotency-Key": "k2"})
    reused = await things.http.post("/things", json={"a": 2}, headers={"Idempotency-Key": "k2"})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


async def test_a_key_is_scoped_to_its_principal(things: Things) -> None:
    mine = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k3"})
    theirs = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k3"} | principal_headers("customer", "acc-2"))
    assert mine.json() == {"effects": 1} and theirs.json() == {"effects": 2}


async def test_a_second_request_while_the_first_runs_is_told_so_and_a_later_retry_replays(things: Things) -> None:
    things.gate.clear()
    first = asyncio.create_task(things.http.post("/things", json={}, headers={"Idempotency-Key": "k4"}))
    await asyncio.wait_for(things.entered.wait(), timeout=10)  # the first holds the key, stopped inside its effect
    second = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k4"})
    assert second.status_code == 409 and second.json()["code"] == "idempotency_key_in_flight"  # at once, not queued
    things.gate.set()
    first_response = await asyncio.wait_for(first, timeout=30)
    retried = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k4"})
    assert first_response.status_code == retried.status_code == 201
    assert retried.content == first_response.content and retried.headers["idempotent-replayed"] == "true"
    assert (await things.http.post("/things", json={})).json() == {"effects": 2}


async def test_another_replica_running_the_key_is_told_so_too(things: Things, tmp_path: Path) -> None:
    if not things.app.state.db.is_postgres:
        pytest.skip("SQLite has one process per database: the in-process check is the whole story there")
    replica = create_service_app(
        "test", ServiceSettings(), [build_router(things.gate, [], asyncio.Event(), [])],
        database_url=things.app.state.db.url, clock=things.clock, idempotency_table=keys,
    )
    things.gate.clear()
    first = asyncio.create_task(things.http.post("/things", json={}, headers={"Idempotency-Key": "k5"}))
    await asyncio.wait_for(things.entered.wait(), timeout=10)
    async with replica.router.lifespan_context(replica):
        async with service_client(replica, "http://t", headers=principal_headers("customer", "acc-1")) as other:
            # Answered at once; without the check it would wait on the key until the first finished (never, here).
            elsewhere = await asyncio.wait_for(other.post("/things", json={}, headers={"Idempotency-Key": "k5"}), timeout=30)
            assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "idempotency_key_in_flight"
            things.gate.set()
            assert (await asyncio.wait_for(first, timeout=30)).status_code == 201
            replayed = await other.post("/things", json={}, headers={"Idempotency-Key": "k5"})
            assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
    assert (await things.http.post("/things", json={})).json() == {"effects": 2}


async def test_a_request_that_crashes_leaves_no_claim_so_a_retry_runs_at_once(things: Things) -> None:
    things.refusals.append(RuntimeError("the process fell over mid-effect"))
    with pytest.raises(RuntimeError):
        await things.http.post("/things", json={}, headers={"Idempotency-Key": "k8"})
    retried = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k8"})
    assert retried.status_code == 201 and retried.json() == {"effects": 1} and "idempotent-replayed" not in retried.headers


async def test_a_claim_left_without_an_answer_is_taken_over_after_the_lease(things: Things) -> None:
    # Only an older version committed a claim before its effect; the lease is the safety net for those.
    same_request = hashlib.sha256(b"POST /things\n{}").hexdigest()
    async with things.app.state.db.transaction() as session:
        await session.execute(insert(keys).values(scope="customer:acc-1 POST /things", key="k5", request_hash=same_request, created_at=NOW - timedelta(seconds=30)))
    in_lease = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k5"})
    assert in_lease.status_code == 409 and in_lease.json()["code"] == "idempotency_key_in_flight"
    things.clock.advance(timedelta(seconds=31))
    taken_over = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k5"})
    assert taken_over.status_code == 201 and taken_over.json() == {"effects": 1}


async def test_a_retryable_refusal_is_not_stored_so_a_retry_runs_afresh(things: Things) -> None:
    things.refusals.append(Problem(409, "busy", "try again", retryable=True))
    refused = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k6"})
    assert refused.status_code == 409
    retried = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k6"})
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers


async def test_a_final_refusal_is_stored_and_replayed(things: Things) -> None:
    things.refusals.append(Problem(409, "exchange_already_open", "one at a time"))
    refused = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k7"})
    again = await things.http.post("/things", json={}, headers={"Idempotency-Key": "k7"})
    assert refused.status_code == again.status_code == 409 and again.headers["idempotent-replayed"] == "true"
