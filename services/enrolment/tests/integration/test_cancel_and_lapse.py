"""Cancelling within 14 days of the sale, and the sweep that lapses plans after their last window."""

import asyncio
import json
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from contracts.enrolment import PlanCancelled, PlanLapsed
from enrolment.config import Settings
from enrolment.db import repository
from enrolment.main import create_app
from enrolment.service.lapsing import lapse_due_plans
from enrolment.testing import OPS, OWNER, RETAILER, as_, new_imei


async def test_the_owner_cancels_within_14_days_and_the_whole_fee_is_refunded(service):
    imei = new_imei()
    plan = (await service.sell(imei)).json()
    service.clock.advance(timedelta(days=14))
    response = await service.http.post(f"/api/v1/plans/{plan['id']}/cancel", headers=as_(OWNER) | {"idempotency-key": "c1"})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["refund_paise"]) == ("cancelled", plan["fee_paise"])
    [envelope] = await service.outbox_events(PlanCancelled.TYPE)
    assert json.loads(envelope)["data"]["refund_paise"] == plan["fee_paise"]
    replay = await service.http.post(f"/api/v1/plans/{plan['id']}/cancel", headers=as_(OWNER) | {"idempotency-key": "c1"})
    assert (replay.status_code, replay.json()["id"]) == (200, plan["id"])
    assert (await service.sell(imei, invoice_date="2021-03-24")).status_code == 201  # the device is free again


async def test_the_selling_retailer_may_cancel_but_not_twice(service):
    plan = (await service.sell()).json()
    assert (await service.http.post(f"/api/v1/plans/{plan['id']}/cancel", headers=as_(RETAILER))).status_code == 200
    again = await service.http.post(f"/api/v1/plans/{plan['id']}/cancel", headers=as_(RETAILER))
    assert (again.status_code, again.json()["code"]) == (409, "plan_not_cancellable")


async def test_a_plan_cannot_be_cancelled_after_14_days(service):
    plan = (await service.sell()).json()
    service.clock.advance(timedelta(days=15))
    response = await service.http.post(f"/api/v1/plans/{plan['id']}/cancel", headers=as_(OWNER))
    assert (response.status_code, response.json()["code"]) == (409, "plan_not_cancellable")


async def test_the_sweep_lapses_a_plan_once_however_many_sweeps_run(service):
    """On SQLite write transactions are serialised, so this only shows repeated sweeps are harmless;
    the PostgreSQL test below races replicas for real."""
    imei = new_imei()
    plan = (await service.sell(imei, invoice_date="2021-03-05")).json()  # lapses on 2022-06-05
    service.clock.advance(timedelta(days=451))  # 2022-06-04 in India: the last day of the last window
    assert await _sweep(service) == 0
    service.clock.advance(timedelta(days=1))

    lapsed = await asyncio.gather(*(_sweep(service) for _ in range(3)))
    assert sum(lapsed) == 1
    shown = (await service.http.get(f"/api/v1/plans/{plan['id']}", headers=as_(OPS))).json()
    assert (shown["status"], shown["lapsed_on"]) == ("lapsed", "2022-06-05")
    [envelope] = await service.outbox_events(PlanLapsed.TYPE)
    assert json.loads(envelope)["data"]["plan_id"] == plan["id"]
    assert (await service.sell(imei, invoice_date="2022-06-05")).status_code == 201


async def _sweep(service) -> int:
    return await lapse_due_plans(service.app.state.db, service.app.state.outbox, service.clock)


async def test_replicas_sweeping_at_the_same_moment_lapse_a_plan_exactly_once(backend, database_url, service, monkeypatch):
    """Three app instances (replicas) on one PostgreSQL database, each sweep holding the due plan in hand
    before any of them updates it: only the conditional UPDATE keeps PlanLapsed to one."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises write transactions (BEGIN IMMEDIATE), so sweeps cannot overlap there")
    plan = (await service.sell(invoice_date="2021-03-05")).json()  # lapses on 2022-06-05
    service.clock.advance(timedelta(days=452))
    replicas = 3
    all_listed = asyncio.Barrier(replicas)
    listing = repository.due_to_lapse

    async def list_then_wait_for_the_others(session, today, limit):
        due = await listing(session, today, limit)
        await asyncio.wait_for(all_listed.wait(), timeout=10)  # every sweep has read the plan as active
        return due

    monkeypatch.setattr(repository, "due_to_lapse", list_then_wait_for_the_others)
    async with AsyncExitStack() as stack:
        apps = [service.app]
        for _ in range(replicas - 1):
            app = create_app(Settings(database_url=database_url, run_workers=False), service.clock)
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps.append(app)

        async def sweep(app) -> int:
            return await lapse_due_plans(app.state.db, app.state.outbox, service.clock)

        lapsed = await asyncio.gather(*(sweep(app) for app in apps))
    monkeypatch.undo()
    assert sorted(lapsed) == [0] * (replicas - 1) + [1]
    [envelope] = await service.outbox_events(PlanLapsed.TYPE)
    assert json.loads(envelope)["data"]["plan_id"] == plan["id"]
    shown = (await service.http.get(f"/api/v1/plans/{plan['id']}", headers=as_(OPS))).json()
    assert (shown["status"], shown["lapsed_on"]) == ("lapsed", "2022-06-05")
