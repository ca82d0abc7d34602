"""Quotes through the API: identification, eligibility, itemised prices, the assured floor, visibility."""

from valuation.testing import COURIER, OPS, OTHER_RETAILER, PHONE, PHONE_PRICE, RETAILER, customer, imei, model_upserted, plan_purchased


async def test_a_customer_gets_an_itemised_quote_valid_for_72_hours(service):
    condition = {"powers_on": True, "screen": "minor_scratches", "body": "dents", "functional_issues": ["battery"], "accessories": ["charger"]}
    response = await service.quote("acc-1", imei(1), condition)
    assert response.status_code == 201, response.text
    quote = response.json()
    assert quote["id"].startswith("qte_") and quote["status"] == "offered" and quote["model_id"] == PHONE
    assert quote["market_price_paise"] == PHONE_PRICE
    assert quote["deductions"] == [
        {"reason": "screen_minor_scratches", "amount_paise": 40_000},
        {"reason": "body_dents", "amount_paise": 80_000},
        {"reason": "issue_battery", "amount_paise": 80_000},
        {"reason": "missing_box", "amount_paise": 8_000},
        {"reason": "missing_invoice", "amount_paise": 16_000},
    ]
    assert quote["market_offer_paise"] == quote["amount_paise"] == 576_000
    assert quote["program"] == "exchange" and quote["assured"] is None
    assert quote["expires_at"] == "2021-03-04T06:30:00Z"


async def test_an_active_plan_in_its_window_gives_the_assured_floor(service):
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    quote = (await service.quote("acc-1", imei(2))).json()
    assert quote["assured"] == {"plan_id": "pln_1", "percent": 70, "amount_paise": 839_930}
    assert quote["market_offer_paise"] == PHONE_PRICE
    assert quote["amount_paise"] == 839_930 and quote["program"] == "smart_upgrade"


async def test_another_account_gets_no_quote_for_a_plan_imei_and_nobody_a_floor_once_the_plan_is_cancelled(service):
    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    refused = await service.quote("acc-2", imei(2))  # docs/valuation.md: the plan's IMEI is its account's alone
    assert (refused.status_code, refused.json()["code"], refused.json()["reasons"]) == (422, "device_not_eligible", ["registered_to_another_account"])
    from contracts.enrolment import PlanCancelled

    await service.deliver(PlanCancelled(
        plan_id="pln_1", account_id="acc-1", imei=imei(2), refund_paise=49_900, cancelled_at=service.clock.now()))
    quote = (await service.quote("acc-1", imei(2))).json()
    assert quote["program"] == "exchange" and quote["assured"] is None and quote["amount_paise"] == PHONE_PRICE


async def test_no_floor_outside_the_plans_windows(service):
    from datetime import timedelta

    await service.deliver(plan_purchased("pln_1", "acc-1", imei(2)))
    service.clock.advance(timedelta(days=-30))  # 2021-01-30: value not yet available
    assert (await service.quote("acc-1", imei(2))).json()["program"] == "exchange"


async def test_a_damaged_phone_is_refused_with_every_reason(service):
    condition = {"powers_on": False, "screen": "cracked", "body": "bent", "functional_issues": ["touch"], "accessories": []}
    response = await service.quote("acc-1", imei(1), condition)
    assert response.status_code == 422
    assert response.json()["code"] == "device_not_eligible"
    assert response.json()["reasons"] == ["does_not_power_on", "screen_cracked", "body_bent", "touch_not_working"]


async def test_identification_failures_have_their_own_codes(service):
    bad_luhn = imei(1)[:-1] + str((int(imei(1)[-1]) + 1) % 10)
    assert (await service.quote("acc-1", bad_luhn)).json()["code"] == "imei_invalid"
    assert (await service.quote("acc-1", imei(1, tac="12345678"))).json()["code"] == "tac_unknown"
    assert (await service.quote("acc-1", imei(1, tac="35000002"))).json()["code"] == "model_not_eligible"
    body = {"imei": imei(1), "model_id": "mi-10-8gb-128gb", "condition": {"powers_on": True, "screen": "flawless", "body": "flawless"}}
    response = await service.http.post("/api/v1/quotes", json=body, headers=customer("acc-1"))
    assert (response.status_code, response.json()["code"]) == (422, "imei_model_mismatch")


async def test_a_blocklisted_imei_is_refused_until_ops_lift_the_block(service):
    response = await service.http.post("/api/v1/blocklist", json={"imei": imei(3), "reason": "reported stolen"}, headers=OPS)
    assert response.status_code == 201
    assert (await service.quote("acc-1", imei(3))).json()["code"] == "imei_blocklisted"
    assert (await service.http.delete(f"/api/v1/blocklist/{imei(3)}", headers=OPS)).status_code == 204
    assert (await service.quote("acc-1", imei(3))).status_code == 201
    assert (await service.http.delete(f"/api/v1/blocklist/{imei(3)}", headers=OPS)).status_code == 404


async def test_only_ops_manage_the_blocklist_and_market_prices(service):
    response = await service.http.post("/api/v1/blocklist", json={"imei": imei(3), "reason": "x"}, headers=customer("acc-1"))
    assert response.status_code == 404
    response = await service.http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": 1}, headers=RETAILER)
    assert response.status_code == 404


async def test_a_new_market_price_changes_the_next_quote(service):
    response = await service.http.put(f"/api/v1/market-prices/{PHONE}", json={"price_paise": 650_050}, headers=OPS)
    assert response.status_code == 200
    quote = (await service.quote("acc-1", imei(1))).json()
    assert quote["market_price_paise"] == 650_050 and quote["amount_paise"] == 650_000  # rounded down to whole rupees


async def test_a_model_without_a_market_price_cannot_be_quoted(service):
    await service.deliver(model_upserted("poco-x2-6gb-64gb", "35000003"))
    response = await service.quote("acc-1", imei(1, tac="35000003"))
    assert (response.status_code, response.json()["code"]) == (503, "pricing_unavailable")


async def test_a_quote_is_seen_by_its_owner_the_quoting_partner_and_ops_only(service):
    body = {"imei": imei(1), "account_id": "acc-1", "condition": {"powers_on": True, "screen": "flawless", "body": "flawless"}}
    response = await service.http.post("/api/v1/quotes", json=body, headers=RETAILER)
    assert response.status_code == 201, response.text
    path = f"/api/v1/quotes/{response.json()['id']}"
    for allowed in (customer("acc-1"), RETAILER, OPS):
        assert (await service.http.get(path, headers=allowed)).status_code == 200
    for stranger in (customer("acc-2"), OTHER_RETAILER, COURIER):
        assert (await service.http.get(path, headers=stranger)).status_code == 404
    assert (await service.http.get(path)).status_code == 401


async def test_a_partner_must_name_the_account(service):
    body = {"imei": imei(1), "condition": {"powers_on": True, "screen": "flawless", "body": "flawless"}}
    response = await service.http.post("/api/v1/quotes", json=body, headers=RETAILER)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_a_blocklisted_imei_is_refused_as_blocked_even_when_no_model_has_its_tac(service):
    unknown_tac = imei(4, tac="12345678")
    assert (await service.http.post("/api/v1/blocklist", json={"imei": unknown_tac, "reason": "reported stolen"}, headers=OPS)).status_code == 201
    assert (await service.quote("acc-1", unknown_tac)).json()["code"] == "imei_blocklisted"  # the blocklist answers first


async def test_a_phone_reported_stolen_after_its_quote_cannot_be_accepted(service):
    quote = (await service.quote("acc-1", imei(5))).json()
    assert (await service.http.post("/api/v1/blocklist", json={"imei": imei(5), "reason": "reported stolen"}, headers=OPS)).status_code == 201
    refused = await service.accept("acc-1", quote["id"])
    assert (refused.status_code, refused.json()["code"]) == (422, "imei_blocklisted")
    assert (await service.http.delete(f"/api/v1/blocklist/{imei(5)}", headers=OPS)).status_code == 204
    assert (await service.accept("acc-1", quote["id"])).status_code == 201
