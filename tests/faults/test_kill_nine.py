"""Faults: a service killed with SIGKILL at a bad moment loses nothing and applies nothing twice."""

import asyncio
import importlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from catalog.seed.__main__ import sample_imei
from eventing.testing import caught_up
from launcher.testing import RunningStack

helpers = importlib.import_module("tests.e2e.helpers")
poll = importlib.import_module("tests.e2e.conftest").poll

FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}
PHONES = ["samsung-galaxy-a51-6gb-128gb", "vivo-v19-8gb-128gb", "oppo-a52-6gb-128gb", "realme-7-6gb-64gb"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[RunningStack]:
    running = RunningStack(tmp_path_factory.mktemp("faults"))
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="module")
def api(platform: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.gateway_url, timeout=10) as client:
        yield client


def accept_quotes(api: httpx.Client, prefix: str, serial: int) -> dict[str, str]:
    """One accepted quote per account; returns account → exchange id."""
    exchanges = {}
    for offset, phone in enumerate(PHONES):
        account = f"{prefix}-{offset}"
        body = {"imei": sample_imei(phone, serial + offset), "condition": FLAWLESS}
        quote = poll(lambda body=body, account=account: (r := api.post("/api/v1/quotes", json=body, headers=helpers.bearer(account))).status_code == 201 and r.json())
        accepted = api.post(f"/api/v1/quotes/{quote['id']}/accept", headers=helpers.bearer(account))
        assert accepted.status_code == 201, accepted.text
        exchanges[account] = accepted.json()["id"]
    return exchanges


def coupons(api: httpx.Client, account: str) -> list[dict]:
    response = api.get("/api/v1/me/coupons", headers=helpers.bearer(account))
    return response.json()["items"] if response.status_code == 200 else []


def exchanges_settled(platform: RunningStack) -> bool:
    """Valuation's outbox is all published and the coupon service has applied everything on valuation.events.

    From then on no copy of an ExchangeAccepted is still on its way: a second coupon would be there.
    """
    database = platform.stack.var_dir / "valuation.db"
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        unpublished = db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
    return unpublished == 0 and asyncio.run(caught_up(f"127.0.0.1:{platform.stack.broker_port}", "coupon", ["valuation.events"]))


def test_the_coupon_service_killed_while_exchanges_arrive_credits_each_exactly_once(platform, api) -> None:
    exchanges = accept_quotes(api, "acc-fault-coupon", 8100)
    platform.kill_nine("coupon")
    platform.start("coupon")
    platform.wait_until_healthy()
    for account in exchanges:
        assert poll(lambda account=account: coupons(api, account), timeout=40)
    assert poll(lambda: exchanges_settled(platform), timeout=40)
    assert all(len(coupons(api, account)) == 1 for account in exchanges)


def test_the_valuation_service_killed_right_after_accepting_still_gets_every_coupon_credited(platform, api) -> None:
    exchanges = accept_quotes(api, "acc-fault-valuation", 8200)
    platform.kill_nine("valuation")  # its relay may not have published the ExchangeAccepted events yet
    platform.start("valuation")
    platform.wait_until_healthy()
    for account, exchange_id in exchanges.items():
        issued = poll(
            lambda account=account, exchange_id=exchange_id: (
                r := api.get(f"/api/v1/exchanges/{exchange_id}", headers=helpers.bearer(account))
            ).status_code == 200 and r.json()["status"] == "coupon_issued",
            timeout=40,
        )
        assert issued
    assert poll(lambda: exchanges_settled(platform), timeout=40)
    for account in exchanges:
        assert len(coupons(api, account)) == 1
