"""A coupon-expiry reminder fired by a real notification worker whose clock is moved ahead (development only).

The shared platform's notification service schedules the reminder when the coupon is credited; a
second worker process, started with NOTIFICATION_CLOCK_OFFSET_SECONDS so that its "now" is just past
the reminder's time, sends it. Its consumer is pointed at a closed port, so it only sweeps (the
platform's own consumer keeps handling events with the real clock). The reminder goes once, in the
customer's day.
"""

import importlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from catalog.seed.__main__ import sample_imei
from eventing.testing import free_port, stop
from launcher.stack import REPO
from launcher.testing import RunningStack
from notification.domain.timing import CUSTOMER_TZ, coupon_reminder_at

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")

FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger"]}


def reasons(api: httpx.Client, account: str) -> list[dict[str, Any]]:
    return api.get("/api/v1/me/notifications", headers=helpers.bearer(account)).json()["items"]


def test_a_coupon_expiry_reminder_fires_48_hours_before_in_the_customers_day(api: httpx.Client, platform: RunningStack) -> None:
    account = "acc-e2e-reminder"
    body = {"imei": sample_imei("samsung-galaxy-m31-6gb-64gb", 7401), "condition": FLAWLESS}
    quote = conftest.poll(lambda: (r := api.post("/api/v1/quotes", json=body, headers=helpers.bearer(account))).status_code == 201 and r.json())
    assert api.post(f"/api/v1/quotes/{quote['id']}/accept", headers=helpers.bearer(account)).status_code == 201
    coupon = conftest.poll(lambda: next(iter(api.get("/api/v1/me/coupons", headers=helpers.bearer(account)).json()["items"]), None))
    conftest.poll(lambda: [m["reason"] for m in reasons(api, account)] == ["coupon_credited"], timeout=30)

    now = datetime.now(UTC)
    due = coupon_reminder_at(datetime.fromisoformat(coupon["expires_at"]), now)
    assert due is not None
    offset = (due - now + timedelta(minutes=1)).total_seconds()
    env = platform.stack.env() | {"NOTIFICATION_CLOCK_OFFSET_SECONDS": str(offset), "KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}"}
    log = open(platform.logs / "notification-shifted.log", "ab")
    shifted = subprocess.Popen([sys.executable, "-m", "notification.worker"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        told = conftest.poll(lambda: (items := reasons(api, account))[0]["reason"] == "coupon_expiring" and items, timeout=60, interval=0.3)
    finally:
        stop(shifted)
        log.close()
    assert [m["reason"] for m in told] == ["coupon_expiring", "coupon_credited"]
    sent_at = datetime.fromisoformat(told[0]["sent_at"])
    assert sent_at >= due and 9 <= sent_at.astimezone(CUSTOMER_TZ).hour < 21
    assert coupon["id"] == told[0]["about"]
