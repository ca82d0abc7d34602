"""An ops person blocks a stolen phone's IMEI in the console, customers' quotes for it are refused, the block is
lifted and quotes work again; lifting twice shows the API's refusal. Prices pages read the real catalog."""

import importlib
import re

import httpx

from catalog.seed.__main__ import sample_imei

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")
browsing = importlib.import_module("tests.console.browsing")
console_conftest = importlib.import_module("tests.console.conftest")

MODEL = "oneplus-8-6gb-128gb"
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}


def quote_status(api: httpx.Client, imei: str) -> tuple[int, str | None]:
    answer = api.post("/api/v1/quotes", json={"imei": imei, "condition": FLAWLESS}, headers=helpers.bearer("acc-console-buyer"))
    return answer.status_code, answer.json().get("code")


def test_ops_blocks_and_lifts_an_imei_in_the_console(chromium, platform, api: httpx.Client) -> None:
    stolen = sample_imei(MODEL, serial=6401)
    conftest.poll(lambda: quote_status(api, sample_imei(MODEL, 6499))[0] == 201)  # the catalog's seed has reached valuation
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watched = browsing.Watched(page, console_conftest.ARTIFACTS)
    try:
        # As in production, where the console offers no dev sign-in: the bearer token is pasted.
        page.goto(f"{platform.gateway_url}/console/")
        page.get_by_label("Bearer token").fill(helpers.bearer("ops-console-1", "ops")["Authorization"])
        page.get_by_role("button", name="Use this token").click()
        page.get_by_role("heading", name="IMEI blocklist").wait_for()

        block = page.get_by_role("form", name="Block a lost or stolen phone")
        block.get_by_label("IMEI to block").fill("12345")
        block.get_by_role("button", name="Block IMEI").click()
        assert "An IMEI is 15 digits." in block.locator(".error-summary").inner_text()
        assert "Give the reason for the block." in block.locator(".error-summary").inner_text()

        block.get_by_label("IMEI to block").fill(stolen)
        block.get_by_label("Reason").fill("Reported stolen, FIR 881/2026")
        block.get_by_role("button", name="Block IMEI").click()
        block.get_by_text(f"Blocked {stolen}").wait_for()
        assert quote_status(api, stolen) == (422, "imei_blocklisted")
        watched.check("ops-1-blocked")

        lift = page.get_by_role("form", name="Lift a block")
        lift.get_by_label("IMEI to lift").fill(stolen)
        lift.get_by_role("button", name="Lift block").click()
        lift.get_by_text(f"Lifted the block on {stolen}").wait_for()
        assert quote_status(api, stolen)[0] == 201

        not_blocked = api.delete(f"/api/v1/blocklist/{stolen}", headers=helpers.bearer("ops-console-1", "ops")).json()
        lift.get_by_role("button", name="Lift block").click()
        problem = lift.locator(".problem")
        problem.wait_for()
        assert problem.locator("h2").inner_text() == not_blocked["title"] and not_blocked["detail"] in problem.inner_text()
        assert page.get_by_role("list").filter(has_text="Blocked").count() == 1  # this session's log
        watched.check("ops-2-lifted")

        page.get_by_role("link", name="Market prices").click()
        lookup = page.get_by_role("form", name="Look up a market price")
        lookup.get_by_label("Model id").fill(MODEL)
        lookup.get_by_role("button", name="Look up").click()
        price = api.get(f"/api/v1/market-prices/{MODEL}", headers=helpers.bearer("ops-console-1", "ops")).json()
        lookup.get_by_text(re.compile(rf"^{MODEL}: ₹[\d,]+ in flawless condition")).wait_for()
        assert f"₹{price['price_paise'] // 100:,}".replace(",", "") in lookup.inner_text().replace(",", "")

        page.get_by_role("link", name="Catalog prices").click()
        srp = page.get_by_role("form", name="A model's SRP")
        srp.get_by_label("Model id").fill("redmi-9-4gb-64gb")
        srp.get_by_role("button", name="Show prices").click()
        page.get_by_role("table").filter(has_text="SRP history").wait_for()
        watched.check("ops-3-catalog-prices")

        page.get_by_role("link", name="Event flow").click()
        for service in ("catalog", "enrolment", "valuation", "coupon", "notification"):
            waiting = page.locator(f'[data-service="{service}"] [data-dlq-pending]')
            waiting.wait_for()
            dlq = api.get(f"/api/v1/ops/{service}/dlq", headers=helpers.bearer("ops-console-1", "ops"))
            expected = f"{dlq.json()['pending']} waiting" if service != "catalog" else "none (consumes no events)"
            assert (dlq.status_code == 200) == (service != "catalog") and waiting.inner_text() == expected
            assert page.locator(f'[data-service="{service}"] [data-outbox-pending]').inner_text().endswith("kept for replay")
        watched.check("ops-4-event-flow")
    finally:
        context.close()
