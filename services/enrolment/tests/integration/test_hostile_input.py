"""No input gives a 5xx: arbitrary cursors, limits, dates and ids on every enrolment list and read; and paging ends cleanly."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from enrolment.testing import MODEL_ID, OPS, OWNER, Service, as_, new_imei
from servicekit.fuzz import HOSTILE, assert_handled, cursor_of, cursors, dates, ids, limits, path_segment

_plans: dict[int, str] = {}


async def a_plan(service: Service) -> str:
    """One real plan per app, so reads also reach a plan that exists."""
    if id(service.app) not in _plans:
        response = await service.sell(invoice_date="2021-03-05")
        assert response.status_code == 201, response.text
        _plans[id(service.app)] = response.json()["id"]
    return _plans[id(service.app)]


@HOSTILE
@given(cursor=cursors(), limit=limits(), plan_id=ids(), day=dates(), model_id=st.one_of(ids(), st.just(MODEL_ID)))
async def test_any_cursor_limit_date_or_id_gets_an_answer_never_a_server_error(service, cursor, limit, plan_id, day, model_id) -> None:
    real = await a_plan(service)
    for params in ({"cursor": cursor}, {"limit": limit}, {"cursor": cursor, "limit": limit}):
        assert_handled(await service.http.get("/api/v1/me/plans", params=params, headers=as_(OWNER)))
    assert_handled(await service.http.get("/api/v1/plans/preview", params={"model_id": model_id, "purchase_date": day}))
    for who in (OWNER, OPS):
        assert_handled(await service.http.get(f"/api/v1/plans/{path_segment(plan_id)}", headers=as_(who)))
        assert_handled(await service.http.get(f"/api/v1/plans/{path_segment(plan_id)}/buyback-value", params={"on": day}, headers=as_(who)))
    assert_handled(await service.http.get(f"/api/v1/plans/{real}/buyback-value", params={"on": day}, headers=as_(OWNER)))
    assert_handled(await service.http.post(f"/api/v1/plans/{path_segment(plan_id)}/cancel", headers=as_(OWNER)))
    assert_handled(await service.sell(invoice_date=day, model_id=model_id))


async def test_the_reported_attacks_are_validation_errors(service) -> None:
    real = await a_plan(service)
    naive = await service.http.get("/api/v1/me/plans", params={"cursor": cursor_of(["2021-03-01T00:00:00", real])}, headers=as_(OWNER))
    assert (naive.status_code, naive.json()["code"], naive.json()["errors"][0]["field"]) == (422, "validation_error", "cursor")
    for day in ("9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"):
        preview = await service.http.get("/api/v1/plans/preview", params={"model_id": MODEL_ID, "purchase_date": day})
        assert (preview.status_code, preview.json()["code"], preview.json()["errors"][0]["field"]) == (422, "validation_error", "query.purchase_date")
        value = await service.http.get(f"/api/v1/plans/{real}/buyback-value", params={"on": day}, headers=as_(OWNER))
        assert (value.status_code, value.json()["code"], value.json()["errors"][0]["field"]) == (422, "validation_error", "query.on")
        sale = await service.sell(invoice_date=day)
        assert (sale.status_code, sale.json()["code"]) == (422, "invoice_date_out_of_range")  # SPEC §5's code for a sale's date
    last_day = await service.http.get("/api/v1/plans/preview", params={"model_id": MODEL_ID, "purchase_date": "2099-12-31"})
    assert last_day.status_code == 200 and last_day.json()["lapses_on"] == "2101-03-31"
    for plan_id in ("pln_%00", "pln_'", "a" * 41):
        response = await service.http.get(f"/api/v1/plans/{plan_id}", headers=as_(OWNER))
        assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_paging_shows_every_plan_once_newest_first_and_an_exactly_full_last_page_has_no_cursor(service) -> None:
    sold = []
    for minutes in (0, 0, 5, 5, 5, 9):  # ties on purchased_at are ordered by id
        service.clock.advance(timedelta(minutes=minutes))
        response = await service.sell(new_imei())
        assert response.status_code == 201, response.text
        sold.append(response.json())
    newest_first = [p["id"] for p in sorted(sold, key=lambda p: (p["purchased_at"], p["id"]), reverse=True)]
    for limit in (1, 2, 3, 4, 5, 6, 7):
        seen, pages, cursor = [], 0, None
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = (await service.http.get("/api/v1/me/plans", params=params, headers=as_(OWNER))).json()
            seen += [p["id"] for p in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == newest_first, limit
        assert pages == -(-len(sold) // limit), limit  # 6 plans at 2, 3 or 6 a page: no empty page after a full one
