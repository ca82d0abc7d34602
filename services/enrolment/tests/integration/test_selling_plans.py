"""A partner retailer sells a plan: every rule of SPEC §5, idempotency and concurrency."""

import asyncio
import json

from contracts.enrolment import PlanPurchased
from enrolment.testing import LOGISTICS, MODEL_ID, OWNER, RETAILER, TACS, as_, model_upserted, new_imei


async def test_a_retailer_sells_a_plan_with_the_srp_of_the_invoice_date_frozen_into_its_schedule(service):
    imei, imei2 = new_imei(TACS[0]), new_imei(TACS[1])
    response = await service.sell(imei, imei2=imei2, invoice_date="2021-03-04")
    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["id"].startswith("pln_")
    assert (plan["status"], plan["store_id"], plan["account_id"]) == ("active", "store-1", OWNER.subject)
    assert (plan["srp_paise"], plan["fee_paise"]) == (1_399_900, 54_900)  # the price before the 5 March cut
    assert plan["schedule"][0] == {"starts_on": "2021-06-04", "ends_on": "2021-09-03", "percent": 70, "amount_paise": 979_930}
    assert plan["schedule"][-1] == {"starts_on": "2022-03-04", "ends_on": "2022-06-03", "percent": 40, "amount_paise": 559_960}
    assert plan["lapses_on"] == "2022-06-04"
    [envelope] = await service.outbox_events(PlanPurchased.TYPE)
    published = PlanPurchased.model_validate(json.loads(envelope)["data"])
    assert (published.plan_id, published.imei2, published.srp_paise) == (plan["id"], imei2, 1_399_900)
    assert [w.model_dump(mode="json") for w in published.schedule] == plan["schedule"]


async def test_only_partner_retailers_may_sell(service):
    assert (await service.sell(who=OWNER)).status_code == 404
    assert (await service.sell(who=LOGISTICS)).status_code == 404
    assert (await service.http.post("/api/v1/plans", json={})).status_code == 401


async def test_an_ineligible_model_is_refused(service):
    await service.deliver(model_upserted("samsung-m31", eligible=False, tacs=["35000001"]))
    response = await service.sell(new_imei("35000001"), model_id="samsung-m31")
    assert (response.status_code, response.json()["code"]) == (422, "model_not_eligible")


async def test_an_invalid_imei_is_refused(service):
    response = await service.sell("123456789012345")
    assert (response.status_code, response.json()["code"]) == (422, "imei_invalid")


async def test_an_imei_of_another_model_is_refused(service):
    response = await service.sell(new_imei("35000001"))
    assert (response.status_code, response.json()["code"]) == (422, "imei_model_mismatch")


async def test_an_invoice_in_the_future_or_over_seven_days_old_is_refused(service):
    for day in ("2021-03-11", "2021-03-02"):
        response = await service.sell(invoice_date=day)
        assert (response.status_code, response.json()["code"]) == (422, "invoice_date_out_of_range")


async def test_a_device_with_a_live_plan_cannot_be_enrolled_again_by_either_imei(service):
    imei, imei2 = new_imei(TACS[0]), new_imei(TACS[1])
    assert (await service.sell(imei, imei2=imei2)).status_code == 201
    for again in (await service.sell(imei), await service.sell(imei2), await service.sell(new_imei(), imei2=imei)):
        assert (again.status_code, again.json()["code"]) == (409, "imei_already_enrolled")


async def test_a_replayed_idempotency_key_returns_the_same_plan(service):
    body = {"imei": new_imei(), "model_id": MODEL_ID, "invoice_number": "INV-9", "invoice_date": "2021-03-10", "account_id": "acc_owner", "customer_phone": "9876543210"}
    headers = as_(RETAILER) | {"idempotency-key": "sale-9"}
    first = await service.http.post("/api/v1/plans", json=body, headers=headers)
    second = await service.http.post("/api/v1/plans", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert len(await service.outbox_events(PlanPurchased.TYPE)) == 1
    reused = await service.http.post("/api/v1/plans", json=body | {"invoice_number": "INV-10"}, headers=headers)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")


async def test_concurrent_sales_of_one_device_create_exactly_one_plan(service):
    imei = new_imei()
    responses = await asyncio.gather(*(service.sell(imei, invoice_number=f"INV-{n}") for n in range(8)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 7, [r.text for r in responses]
    assert len(await service.outbox_events(PlanPurchased.TYPE)) == 1


async def test_the_preview_shows_fee_srp_and_schedule_for_any_date_to_anyone(service):
    response = await service.http.get("/api/v1/plans/preview", params={"model_id": MODEL_ID, "purchase_date": "2020-11-05"})
    assert response.status_code == 200, response.text
    preview = response.json()
    assert (preview["fee_paise"], preview["srp_paise"], preview["lapses_on"]) == (54_900, 1_399_900, "2022-02-05")
    assert [(w["starts_on"], w["ends_on"], w["percent"]) for w in preview["schedule"]] == [
        ("2021-02-05", "2021-05-04", 70), ("2021-05-05", "2021-08-04", 60), ("2021-08-05", "2021-11-04", 50), ("2021-11-05", "2022-02-04", 40),
    ]
    unknown = await service.http.get("/api/v1/plans/preview", params={"model_id": "nokia-3310", "purchase_date": "2021-03-01"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "model_not_eligible")
