"""A customer on a phone-width screen: signs in, reads a plan's schedule, is stopped by the form's own checks,
sees an API refusal as its problem, gets a quote, accepts it, watches the coupon arrive, reads its ledger,
and cancels the plan — in Debian's Chromium, against the real processes."""

import importlib
import re
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from catalog.seed.__main__ import sample_imei
from contracts.imei import luhn_check_digit

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")
browsing = importlib.import_module("tests.console.browsing")
console_conftest = importlib.import_module("tests.console.conftest")

ACCOUNT = "acc-console-trader"
PLAN_MODEL = "redmi-note-9-pro-4gb-64gb"
OLD_PHONE = "samsung-galaxy-m31-6gb-64gb"
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}


def sell_plan(api: httpx.Client) -> dict[str, Any]:
    invoice_date = (datetime.now(ZoneInfo("Asia/Kolkata")).date() - timedelta(days=1)).isoformat()
    conftest.poll(lambda: api.get("/api/v1/plans/preview", params={"model_id": PLAN_MODEL, "purchase_date": invoice_date}).status_code == 200)
    sale = {
        "imei": sample_imei(PLAN_MODEL, serial=6300), "model_id": PLAN_MODEL, "invoice_number": "MIH-KOR-CONSOLE-1",
        "invoice_date": invoice_date, "account_id": ACCOUNT, "customer_phone": "+919800000081",
    }
    sold = helpers.as_partner(api, "retailer", "POST", "/api/v1/plans", sale)
    assert sold.status_code == 201, sold.text
    return sold.json()


def unknown_tac_imei() -> str:
    body = "01234567" + "000042"  # no model carries this TAC (seed TACs are in the 99xxxxxx block)
    return body + str(luhn_check_digit(body))


def test_a_customer_trades_in_a_phone_in_the_console(chromium, platform, api: httpx.Client) -> None:
    plan = sell_plan(api)
    old_phone = sample_imei(OLD_PHONE, serial=6301)
    # The catalog's seed reaches valuation by events: wait until a quote can be made at all (another account's).
    conftest.poll(lambda: api.post("/api/v1/quotes", json={"imei": sample_imei(OLD_PHONE, 6399), "condition": FLAWLESS},
                                   headers=helpers.bearer("acc-console-warmup")).status_code == 201)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    watched = browsing.Watched(page, console_conftest.ARTIFACTS)
    try:
        browsing.sign_in(page, platform.gateway_url, ACCOUNT)

        page.get_by_role("heading", name="My Smart Upgrade plans").wait_for()
        card = page.locator(f'[data-plan-id="{plan["id"]}"]')
        assert card.locator("[data-buyback-status]").get_attribute("data-buyback-status") == "not_yet"
        chart = card.locator("svg.chart")
        assert chart.get_attribute("role") == "img" and "Today" in (chart.text_content() or "")
        first_window = datetime.fromisoformat(plan["schedule"][0]["starts_on"])
        assert f"{first_window.day} {first_window:%b %Y}" in card.locator(".next-drop").inner_text()
        watched.check("1-plan-schedule")

        page.get_by_role("link", name="Trade in").click()
        quotes_sent = browsing.requests_to(page, "/api/v1/quotes")
        page.get_by_label("IMEI of the old phone").fill(old_phone[:-1] + str((int(old_phone[-1]) + 1) % 10))
        page.get_by_role("button", name="Get my quote").click()
        summary = page.locator(".error-summary")
        summary.wait_for()
        assert "check digit" in summary.inner_text() and "Answer whether the phone switches on" in summary.inner_text()
        assert page.get_by_label("IMEI of the old phone").get_attribute("aria-invalid") == "true"
        assert quotes_sent == []  # the form stopped it before anything was sent
        watched.check("2-form-checks-before-sending")

        page.get_by_label("IMEI of the old phone").fill(unknown_tac_imei())
        page.get_by_role("group", name="Does the phone switch on?").get_by_label("Yes").check()
        page.get_by_role("group", name="Screen").get_by_label("Flawless").check()
        page.get_by_role("group", name="Body").get_by_label("Flawless").check()
        page.get_by_role("button", name="Get my quote").click()
        refusal = api.post("/api/v1/quotes", json={"imei": unknown_tac_imei(), "condition": FLAWLESS}, headers=helpers.bearer(ACCOUNT)).json()
        problem = page.locator("#quote-outcome .problem")
        problem.wait_for()
        assert problem.locator("h2").inner_text() == refusal["title"] and refusal["detail"] in problem.inner_text()

        page.get_by_label("IMEI of the old phone").fill(old_phone)
        page.get_by_label("IMEI of the old phone").blur()
        page.get_by_text("This is a Samsung Galaxy M31").wait_for()  # the phone named from its IMEI, before asking
        page.get_by_role("group", name="Screen").get_by_label("Minor scratches").check()
        page.get_by_role("group", name="What comes with it?").get_by_label("Charger").check()
        page.get_by_role("button", name="Get my quote").click()
        offer = page.locator(".card.quote")
        offer.wait_for()
        quote = api.get(f"/api/v1/quotes/{offer.get_attribute('data-quote-id')}", headers=helpers.bearer(ACCOUNT)).json()
        assert offer.locator("[data-offer]").get_attribute("data-offer") == str(quote["amount_paise"])
        assert "Screen minor scratches" in offer.inner_text()
        # Every amount of the breakdown is on screen at phone width, not scrolled off beside its label.
        width = page.viewport_size["width"] if page.viewport_size else 390
        for amount in offer.locator("td.money").all():
            box = amount.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width, amount.inner_text()
        ticking = offer.locator("[data-countdown]")
        assert re.fullmatch(r"2 d \d\d h \d\d min \d\d s", ticking.inner_text())
        shown = ticking.inner_text()
        page.wait_for_function("([element, shown]) => element.textContent !== shown", arg=[ticking.element_handle(), shown], timeout=10_000)
        watched.check("3-quote")

        page.evaluate("window.stillTheSamePage = true")
        clicked = time.monotonic()
        page.get_by_role("button", name=re.compile(r"^Accept .* and get my coupon$")).click()
        arrived = page.locator(".coupon-arrived")
        arrived.wait_for(timeout=90_000)
        print(f"coupon on screen {time.monotonic() - clicked:.2f}s after the accept click")
        code = arrived.locator("[data-coupon-code]").get_attribute("data-coupon-code")
        assert page.evaluate("window.stillTheSamePage") is True  # it arrived without a reload
        coupons = api.get("/api/v1/me/coupons", headers=helpers.bearer(ACCOUNT)).json()["items"]
        assert [(c["code"], c["amount_paise"]) for c in coupons] == [(code, quote["amount_paise"])]
        watched.check("4-coupon-arrived")
        offer.screenshot(path=str(console_conftest.ARTIFACTS / "quote-and-coupon.png"))  # the one README shows

        page.get_by_role("link", name="See it in My coupons").click()
        coupon = page.locator(f'[data-coupon-code="{code}"].coupon')
        coupon.wait_for()
        assert coupon.locator("[data-status]").inner_text() == "Active"
        assert re.fullmatch(r"13 d \d\d h \d\d min \d\d s", coupon.locator("[data-countdown]").inner_text())
        coupon.get_by_role("button", name="Show history").click()
        coupon.locator("table.ledger").wait_for()
        assert "Issued" in coupon.locator("table.ledger").inner_text()
        watched.check("5-my-coupons")

        page.get_by_role("link", name="My plans").click()
        card.get_by_role("button", name=re.compile(r"^Cancel plan")).click()
        card.get_by_role("button", name="Yes, cancel the plan").click()
        page.get_by_text("Plan cancelled.").wait_for()
        assert api.get(f"/api/v1/plans/{plan['id']}", headers=helpers.bearer(ACCOUNT)).json()["status"] == "cancelled"
        assert card.get_by_role("button", name=re.compile(r"^Cancel plan")).count() == 0
        watched.check("6-plan-cancelled")
    finally:
        context.close()
