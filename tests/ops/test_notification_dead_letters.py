"""Ops through the gateway, for the notification service: an accepted exchange it cannot record is
parked, found at /api/v1/ops/notification/dlq, fixed, replayed, and the retailer's webhooks then
arrive exactly once; the CLI sees the same."""

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
from smartupgrade_partner.signing import sign_request

helpers = importlib.import_module("tests.e2e.helpers")
poll = importlib.import_module("tests.e2e.conftest").poll
Receiver = importlib.import_module("tests.notification.receiver").Receiver

OPS = "ops-e2e-notification-dlq"
ACCOUNT = "acc-e2e-notification-dlq"
RETAILER = "pk_retail_mihome_koramangala"
PARTNERS = {p["key_id"]: p for p in json.loads((Path(__file__).resolve().parents[2] / "deploy/local/partners.json").read_text())}
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}
# A rule someone added by hand to the notification database: it refuses this account's exchanges.
# The event is fine; the data the consumer applies it to is not, so ops fixes the data and replays.
HOLD = f"""
CREATE TRIGGER hold_e2e_exchanges BEFORE INSERT ON exchanges WHEN NEW.account_id = '{ACCOUNT}'
BEGIN SELECT RAISE(ABORT, 'exchanges of this account are on hold'); END
"""


@pytest.fixture(scope="module")
def api(platform: RunningStack):
    with httpx.Client(base_url=platform.gateway_url, timeout=15) as client:
        yield client


def run_sql(platform: RunningStack, sql: str) -> None:
    database = Path(platform.stack.env()["NOTIFICATION_DATABASE_URL"].split("///", 1)[1])
    with closing(sqlite3.connect(database, timeout=30)) as db:
        db.execute(sql)
        db.commit()


def ops(api: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
    return api.request(method, f"/api/v1/ops/notification{path}", json=body, headers=helpers.bearer(OPS, "ops"))


def as_retailer(api: httpx.Client, method: str, path: str, body: object | None = None) -> httpx.Response:
    raw = json.dumps(body).encode() if body is not None else b""
    signed = sign_request(RETAILER, PARTNERS[RETAILER]["secret"], method, path, raw)
    return api.request(method, path, content=raw, headers={"content-type": "application/json", **signed})


def parked_for(api: httpx.Client, exchange_id: str) -> dict[str, Any] | None:
    listing = ops(api, "GET", "/dlq?status=pending")
    assert listing.status_code == 200, listing.text
    return next((e for e in listing.json()["items"] if e["key"] == exchange_id), None)


def delivered_types(receiver: Any, exchange_id: str) -> list[str]:
    """The event types the retailer's server accepted about this exchange, one per webhook-id."""
    kept = {headers["webhook-id"]: json.loads(body) for headers, body in receiver.received(accepted_only=True)}
    return sorted(e["type"] for e in kept.values() if exchange_id in (e["subject"], e["data"].get("exchange_id")))


def test_a_parked_exchange_is_found_replayed_once_and_the_retailer_then_hears_of_it(platform: RunningStack, api: httpx.Client) -> None:
    run_sql(platform, HOLD)
    with Receiver() as receiver:
        registered = as_retailer(api, "POST", "/api/v1/webhooks/endpoints", {"url": receiver.url, "event_types": ["*"]})
        assert registered.status_code == 201, registered.text
        endpoint = registered.json()
        body = {"imei": sample_imei("samsung-galaxy-m31-6gb-64gb", 7551), "condition": FLAWLESS, "account_id": ACCOUNT}
        quote = poll(lambda: (r := as_retailer(api, "POST", "/api/v1/quotes", body)).status_code == 201 and r.json())
        accepted = as_retailer(api, "POST", f"/api/v1/quotes/{quote['id']}/accept")
        assert accepted.status_code == 201, accepted.text
        exchange_id = accepted.json()["id"]

        entry = poll(lambda: parked_for(api, exchange_id), timeout=60)
        assert entry["event_type"] == "valuation.ExchangeAccepted" and entry["attempts"] == 3 and entry["consumer"] == "notification"
        assert "exchanges of this account are on hold" in entry["error"]
        shown = ops(api, "GET", f"/dlq/{entry['id']}").json()
        assert shown["envelope"]["data"]["exchange_id"] == exchange_id and shown["topic"] == "valuation.events"
        assert api.get("/api/v1/ops/notification/dlq", headers=helpers.bearer(ACCOUNT)).status_code == 404  # ops only
        assert delivered_types(receiver, exchange_id) == []  # what the retailer reports: "we never heard of it"

        still_held = ops(api, "POST", f"/dlq/{entry['id']}/replay")
        assert still_held.status_code == 409 and still_held.json()["code"] == "replay_failed"

        run_sql(platform, "DROP TRIGGER hold_e2e_exchanges")  # the fix
        replayed = ops(api, "POST", f"/dlq/{entry['id']}/replay")
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["outcome"] == "applied" and replayed.json()["dead_letter"]["acted_by"] == OPS
        again = ops(api, "POST", f"/dlq/{entry['id']}/replay")
        assert again.status_code == 409 and again.json()["code"] == "dead_letter_not_pending"

        # The coupon event that waited for its exchange follows it; each arrives once.
        expected = ["coupon.CouponIssued", "valuation.ExchangeAccepted"]
        assert poll(lambda: delivered_types(receiver, exchange_id) == expected or None, timeout=60, interval=0.3)

        def settled() -> list[dict[str, Any]] | None:
            response = as_retailer(api, "GET", f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries")
            if response.status_code != 200:  # a signature is accepted once: a poll in the same second is refused
                return None
            items = [d for d in response.json()["items"] if exchange_id in (d["subject"], d["event"]["data"].get("exchange_id"))]
            return items if len(items) >= len(expected) and all(d["status"] == "succeeded" for d in items) else None

        assert sorted(d["event_type"] for d in poll(settled, timeout=30, interval=0.5)) == expected  # one delivery each
        assert delivered_types(receiver, exchange_id) == expected
        # Later tests' events are not this receiver's business.
        assert as_retailer(api, "POST", f"/api/v1/webhooks/endpoints/{endpoint['id']}/disable").status_code == 200

    cli = run_cli(platform, "dlq", "show", "notification", str(entry["id"]))
    assert cli["status"] == "replayed" and cli["acted_by"] == OPS
    lag = run_cli(platform, "lag", "notification")
    assert lag["consumer"] == "notification"


def run_cli(platform: RunningStack, *args: str) -> Any:
    """`make ops ARGS=…` as an operator runs it, minting its token from the dev issuer of this data directory."""
    env = {k: v for k, v in os.environ.items() if k != "OPS_TOKEN"}
    env |= {"VAR_DIR": str(platform.stack.var_dir), "GATEWAY_PORT": str(platform.stack.gateway_port), "OPS_ACCOUNT": OPS}
    done = subprocess.run([sys.executable, "-m", "launcher", "ops", *args], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
