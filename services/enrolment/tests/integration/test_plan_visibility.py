"""Who sees a plan (owner, the selling store, ops) and what it is worth on a given day."""

from datetime import date, timedelta

import pytest

from enrolment.testing import LOGISTICS, OPS, OTHER_STORE, OWNER, RETAILER, SAME_STORE, STRANGER, as_


@pytest.fixture
async def plan_id(service) -> str:
    response = await service.sell(invoice_date="2021-03-05")  # SRP Rs 12,999 from 5 March
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_the_owner_the_selling_store_and_ops_see_the_plan(service, plan_id):
    for who in (OWNER, RETAILER, SAME_STORE, OPS):
        response = await service.http.get(f"/api/v1/plans/{plan_id}", headers=as_(who))
        assert (response.status_code, response.json()["id"]) == (200, plan_id), who


async def test_another_customer_and_another_retailer_get_404(service, plan_id):
    for who in (STRANGER, OTHER_STORE, LOGISTICS):
        for path in (f"/api/v1/plans/{plan_id}", f"/api/v1/plans/{plan_id}/buyback-value"):
            response = await service.http.get(path, headers=as_(who))
            assert (response.status_code, response.json()["code"]) == (404, "not_found"), (who, path)
        cancel = await service.http.post(f"/api/v1/plans/{plan_id}/cancel", headers=as_(who))
        assert cancel.status_code == 404
    assert (await service.http.get("/api/v1/plans/pln_nope", headers=as_(OWNER))).status_code == 404


async def test_a_customer_lists_only_their_own_plans_page_by_page(service, plan_id):
    others = await service.sell(account_id=STRANGER.subject)
    service.clock.advance(timedelta(minutes=5))
    second = await service.sell()
    first_page = await service.http.get("/api/v1/me/plans", params={"limit": 1}, headers=as_(OWNER))
    assert first_page.status_code == 200
    body = first_page.json()
    assert [p["id"] for p in body["items"]] and body["next_cursor"]
    rest = await service.http.get("/api/v1/me/plans", params={"cursor": body["next_cursor"]}, headers=as_(OWNER))
    listed = [p["id"] for p in body["items"]] + [p["id"] for p in rest.json()["items"]]
    assert listed == [second.json()["id"], plan_id]  # newest first
    assert rest.json()["next_cursor"] is None
    assert others.json()["id"] not in listed


async def test_the_buyback_value_changes_on_the_day_of_every_boundary_and_not_the_day_before(service, plan_id):
    # P = 2021-03-05, SRP 1,299,900: B(3)=06-05, B(6)=09-05, B(9)=12-05, B(12)=2022-03-05, B(15)=2022-06-05.
    expected = [
        ("2021-06-05", "not_yet", None, None, "available", 70, 909_930),
        ("2021-09-05", "available", 70, 909_930, "available", 60, 779_940),
        ("2021-12-05", "available", 60, 779_940, "available", 50, 649_950),
        ("2022-03-05", "available", 50, 649_950, "available", 40, 519_960),
        ("2022-06-05", "available", 40, 519_960, "lapsed", None, None),
    ]
    for boundary, before_status, before_pct, before_amt, on_status, on_pct, on_amt in expected:
        day = date.fromisoformat(boundary)
        before = await _value(service, plan_id, day - timedelta(days=1))
        on = await _value(service, plan_id, day)
        assert (before["status"], before["percent"], before["amount_paise"], before["next_change_on"]) == (before_status, before_pct, before_amt, boundary)
        assert (on["status"], on["percent"], on["amount_paise"]) == (on_status, on_pct, on_amt)


async def test_the_buyback_value_defaults_to_today_in_india(service, plan_id):
    value = await service.http.get(f"/api/v1/plans/{plan_id}/buyback-value", headers=as_(OWNER))
    assert value.json() | {"window": None} == {
        "plan_id": plan_id, "on": "2021-03-10", "status": "not_yet", "percent": None, "amount_paise": None, "window": None, "next_change_on": "2021-06-05",
    }


async def _value(service, plan_id: str, day: date) -> dict:
    response = await service.http.get(f"/api/v1/plans/{plan_id}/buyback-value", params={"on": day.isoformat()}, headers=as_(OWNER))
    assert response.status_code == 200, response.text
    return response.json()
