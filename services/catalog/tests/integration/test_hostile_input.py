"""No input gives a 5xx: arbitrary cursors, limits, dates and ids on every catalog list and read; and paging ends cleanly."""

from hypothesis import given
from hypothesis import strategies as st

from servicekit.fuzz import HOSTILE, assert_handled, cursor_of, cursors, dates, ids, limits, path_segment
from servicekit.testing import principal_headers

MODELS = "/api/v1/catalog/models"
OPS = principal_headers("ops", "ops-1")
SEEDED = 57


@HOSTILE
@given(cursor=cursors(), limit=limits(), text=st.text(max_size=60), model_id=ids(), imei=ids(), day=dates())
async def test_any_cursor_limit_filter_id_or_date_gets_an_answer_never_a_server_error(catalog, cursor, limit, text, model_id, imei, day) -> None:
    for params in ({"cursor": cursor}, {"limit": limit}, {"cursor": cursor, "limit": limit, "q": text, "brand": text, "program": text}):
        assert_handled(await catalog.get(MODELS, params=params))
    assert_handled(await catalog.get(f"{MODELS}/{path_segment(model_id)}"))
    assert_handled(await catalog.get(f"/api/v1/catalog/devices/{path_segment(imei)}"))
    assert_handled(await catalog.post(f"{MODELS}/{path_segment(model_id)}/prices", json={"effective_from": day, "srp_paise": 1}, headers=OPS))
    body = {"brand": "\x00", "name": text, "category": "phone", "launch_date": day, "srp_history": [{"effective_from": day, "srp_paise": 1}]}
    assert_handled(await catalog.put(f"{MODELS}/{path_segment(model_id)}", json=body, headers=OPS))  # the brand is refused: nothing written


async def test_out_of_range_dates_odd_ids_and_foreign_cursors_are_validation_errors(catalog) -> None:
    url = f"{MODELS}/redmi-9-4gb-64gb/prices"
    for day in ("9999-12-31", "1999-12-31", "2100-01-01"):
        response = await catalog.post(url, json={"effective_from": day, "srp_paise": 1049900}, headers=OPS)
        assert (response.status_code, response.json()["code"], response.json()["errors"][0]["field"]) == (422, "validation_error", "effective_from")
    assert (await catalog.post(url, json={"effective_from": "2099-12-31", "srp_paise": 1049900}, headers=OPS)).status_code == 201
    for model_id in ("a%00b", "a" * 101, "Redmi-9", "redmi%209"):
        response = await catalog.get(f"{MODELS}/{model_id}")
        assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    for cursor in (cursor_of(["2021-03-01T06:30:00", "x"]), cursor_of([17]), cursor_of(["Redmi"]), cursor_of("redmi-9-4gb-64gb"), "!!"):
        response = await catalog.get(MODELS, params={"cursor": cursor})
        assert (response.status_code, response.json()["code"], response.json()["errors"][0]["field"]) == (422, "validation_error", "cursor")


async def page_through(catalog, limit: int) -> tuple[list[str], list[str | None]]:
    seen, cursors_seen, cursor = [], [], None
    while True:
        page = (await catalog.get(MODELS, params={"limit": limit, **({"cursor": cursor} if cursor else {})})).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        cursors_seen.append(cursor)
        if cursor is None:
            return seen, cursors_seen


async def test_paging_shows_every_model_once_and_an_exactly_full_last_page_has_no_cursor(catalog) -> None:
    for limit in (19, SEEDED, 1):  # 57 = 3 x 19: three full pages, and no fourth, empty one
        seen, cursors_seen = await page_through(catalog, limit)
        assert len(seen) == len(set(seen)) == SEEDED and seen == sorted(seen)
        assert len(cursors_seen) == SEEDED // limit and cursors_seen[-1] is None
    seen, cursors_seen = await page_through(catalog, SEEDED - 1)
    assert len(seen) == SEEDED and len(cursors_seen) == 2
