"""Ops through the gateway: an accepted exchange the coupon service cannot credit is parked, found,
fixed, replayed, and credits exactly one coupon; the CLI sees the same."""

import importlib
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalog.seed.__main__ import sample_imei
from launcher.testing import RunningStack

helpers = importlib.import_module("tests.e2e.helpers")
poll = importlib.import_module("tests.e2e.conftest").poll

OPS = "ops-e2e-dlq"
ACCOUNT = "acc-e2e-dlq"
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}
# A rule someone added by hand to the coupon database: it refuses this account's coupons. The event
# is fine; the data the consumer applies it to is not, so ops fixes the data and replays the event.
HOLD = f"""
CREATE TRIGGER hold_e2e_account BEFORE INSERT ON coupons WHEN NEW.account_id = '{ACCOUNT}'
BEGIN SELECT RAISE(ABORT, 'coupons of this account are on hold'); END
"""


@pytest.fixture(scope="module")
def api(platform: RunningStack):
    with httpx.Client(base_url=platform.gateway_url, timeout=15) as client:
        yield client


def coupon_database(platform: RunningStack) -> Path:
    return Path(platform.stack.env()["COUPON_DATABASE_URL"].split("///", 1)[1])


def run_sql(platform: RunningStack, sql: str) -> None:
    with closing(sqlite3.connect(coupon_database(platform), timeout=30)) as db:
        db.execute(sql)
        db.commit()


def ops(api: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
    return api.request(method, f"/api/v1/ops/coupon{path}", json=body, headers=helpers.bearer(OPS, "ops"))


def parked_for(api: httpx.Client, exchange_id: str) -> dict[str, Any] | None:
    listing = ops(api, "GET", "/dlq?status=pending")
    assert listing.status_code == 200, listing.text
    return next((e for e in listing.json()["items"] if e["key"] == exchange_id), None)


def coupons_of(api: httpx.Client) -> list[dict[str, Any]]:
    return api.get("/api/v1/me/coupons", headers=helpers.bearer(ACCOUNT)).json()["items"]


def test_a_parked_accept_is_found_fixed_replayed_and_credits_one_coupon(platform: RunningStack, api: httpx.Client) -> None:
    run_sql(platform, HOLD)
    body = {"imei": sample_imei("samsung-galaxy-m31-6gb-64gb", 7301), "condition": FLAWLESS}
    quote = poll(lambda: (r := api.post("/api/v1/quotes", json=body, headers=helpers.bearer(ACCOUNT))).status_code == 201 and r.json())
    accepted = api.post(f"/api/v1/quotes/{quote['id']}/accept", headers=helpers.bearer(ACCOUNT))
    assert accepted.status_code == 201, accepted.text
    exchange_id = accepted.json()["id"]

    entry = poll(lambda: parked_for(api, exchange_id), timeout=60)
    assert entry["event_type"] == "valuation.ExchangeAccepted" and entry["attempts"] == 3
    assert "coupons of this account are on hold" in entry["error"]
    assert coupons_of(api) == []  # what the customer reports: "I accepted and no coupon came"
    shown = ops(api, "GET", f"/dlq/{entry['id']}").json()
    assert shown["envelope"]["data"]["exchange_id"] == exchange_id and shown["topic"] == "valuation.events"

    assert api.get("/api/v1/ops/coupon/dlq", headers=helpers.bearer(ACCOUNT)).status_code == 404  # ops only
    no_reason = ops(api, "POST", f"/dlq/{entry['id']}/discard", {})
    assert no_reason.status_code == 422 and no_reason.headers["content-type"].startswith("application/problem+json")

    still_held = ops(api, "POST", f"/dlq/{entry['id']}/replay")
    assert still_held.status_code == 409 and still_held.json()["code"] == "replay_failed"
    assert coupons_of(api) == []

    run_sql(platform, "DROP TRIGGER hold_e2e_account")  # the fix
    replayed = ops(api, "POST", f"/dlq/{entry['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["outcome"] == "applied" and replayed.json()["dead_letter"]["acted_by"] == OPS
    [coupon] = coupons_of(api)
    assert coupon["amount_paise"] == quote["amount_paise"] and coupon["status"] == "active"

    again = ops(api, "POST", f"/dlq/{entry['id']}/replay")
    assert again.status_code == 409 and again.json()["code"] == "dead_letter_not_pending"
    everything = ops(api, "POST", "/dlq/replay", {"limit": 100})
    assert everything.status_code == 200 and all(r.get("dead_letter", {}).get("id") != entry["id"] for r in everything.json()["results"])
    assert len(coupons_of(api)) == 1
    # The valuation service hears of the coupon as it would have without the detour.
    assert poll(lambda: api.get(f"/api/v1/exchanges/{exchange_id}", headers=helpers.bearer(ACCOUNT)).json().get("coupon_code") == coupon["code"])

    cli = run_cli(platform, "dlq", "show", "coupon", str(entry["id"]))
    assert cli["status"] == "replayed" and cli["acted_by"] == OPS


def test_outbox_backlog_and_consumer_lag_answer_through_the_gateway(platform: RunningStack, api: httpx.Client) -> None:
    backlog = api.get("/api/v1/ops/valuation/outbox", headers=helpers.bearer(OPS, "ops"))
    assert backlog.status_code == 200, backlog.text
    assert {"pending", "oldest_pending_age_seconds", "retained", "topics"} <= backlog.json().keys()

    def lag_recorded() -> dict[str, Any] | None:
        answer = api.get("/api/v1/ops/coupon/consumers", headers=helpers.bearer(OPS, "ops")).json()
        return answer if answer["partitions"] else None

    lag = poll(lag_recorded, timeout=60)
    assert lag["consumer"] == "coupon" and {"valuation.events", "catalog.events"} <= {p["topic"] for p in lag["partitions"]}
    assert run_cli(platform, "lag", "coupon")["consumer"] == "coupon"
    bad_range = api.post("/api/v1/ops/valuation/outbox/republish", json={"first_id": 5, "last_id": 2}, headers=helpers.bearer(OPS, "ops"))
    assert bad_range.status_code == 422 and bad_range.json()["code"] == "validation_error"


def run_cli(platform: RunningStack, *args: str) -> Any:
    """`make ops ARGS=…` as an operator runs it, minting its token from the dev issuer of this data directory."""
    env = {k: v for k, v in os.environ.items() if k != "OPS_TOKEN"}
    env |= {"VAR_DIR": str(platform.stack.var_dir), "GATEWAY_PORT": str(platform.stack.gateway_port), "OPS_ACCOUNT": OPS}
    done = subprocess.run([sys.executable, "-m", "launcher", "ops", *args], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
