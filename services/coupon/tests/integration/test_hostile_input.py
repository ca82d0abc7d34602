"""No input gives a 5xx: arbitrary cursors, limits and ids on every coupon list and read, the ledger included; and paging ends cleanly."""

import json
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from coupon.testing import ACCEPTED_AT, CHECKOUT, OPS, OWNER, Harness, headers, phone_line
from servicekit.fuzz import HOSTILE, assert_handled, b64, cursor_of, cursors, ids, limits, path_segment

_coupons: dict[int, str] = {}


async def a_code(harness: Harness) -> str:
    """One real coupon per app, so the ledger's cursor is parsed for a coupon that exists."""
    if id(harness.app) not in _coupons:
        _coupons[id(harness.app)] = (await harness.issue())["code"]
    return _coupons[id(harness.app)]


@HOSTILE
@given(cursor=cursors(), limit=limits(), code=ids(), text=st.text(max_size=40))
async def test_any_cursor_limit_or_code_gets_an_answer_never_a_server_error(harness: Harness, cursor, limit, code, text) -> None:
    real = await a_code(harness)
    for params in ({"cursor": cursor}, {"limit": limit}, {"cursor": cursor, "limit": limit}):
        assert_handled(await harness.client.get("/api/v1/me/coupons", params=params, headers=headers(OWNER)))
        assert_handled(await harness.client.get(f"/api/v1/coupons/{real}/events", params=params, headers=headers(OWNER)))
    segment = path_segment(code)
    for principal in (OWNER, OPS, CHECKOUT):
        assert_handled(await harness.client.get(f"/api/v1/coupons/{segment}", params={"account_id": text}, headers=headers(principal)))
        assert_handled(await harness.client.get(f"/api/v1/coupons/{segment}/events", params={"cursor": cursor}, headers=headers(principal)))
    assert_handled(await harness.client.post(f"/api/v1/coupons/{real}/redemptions/{segment}/release", headers=headers(CHECKOUT)))
    assert_handled(await harness.redeem(segment, text, [phone_line(line_id=text, model_id=text)], account_id=text))


async def test_the_reported_ledger_and_list_attacks_are_validation_errors(harness: Harness) -> None:
    real = await a_code(harness)
    ledger_attacks = [
        cursor_of(["17"]),  # a string where the sequence number belongs
        cursor_of([None]), cursor_of([{"seq": 1}]), cursor_of([[1]]),  # null, an object, nested
        cursor_of([2**63]), cursor_of([10**30]),  # past the 63-bit column
        cursor_of([1.5]), cursor_of([True]), cursor_of([0]), cursor_of([]), cursor_of(7),
        b64(b"[" * 5000 + b"]" * 5000), "not base64!", b64(b"\xff\xfe"),
    ]
    for cursor in ledger_attacks:
        response = await harness.client.get(f"/api/v1/coupons/{real}/events", params={"cursor": cursor}, headers=headers(OWNER))
        assert (response.status_code, response.json()["code"], response.json()["errors"][0]["field"]) == (422, "validation_error", "cursor"), cursor
    for cursor in (cursor_of(["2021-03-01T00:00:00", "cpn_x"]), cursor_of(["9999-12-31T23:59:59-23:59", "cpn_x"]), cursor_of([1])):
        response = await harness.client.get("/api/v1/me/coupons", params={"cursor": cursor}, headers=headers(OWNER))
        assert (response.status_code, response.json()["code"], response.json()["errors"][0]["field"]) == (422, "validation_error", "cursor")


async def page_through(harness: Harness, url: str, limit: int) -> tuple[list[str], int]:
    seen, pages, cursor = [], 0, None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = (await harness.client.get(url, params=params, headers=headers(OWNER))).json()
        seen += [item["id"] if "id" in item else json.dumps(item, sort_keys=True) for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return seen, pages


async def test_paging_coupons_and_a_ledger_shows_every_item_once_and_an_exactly_full_last_page_has_no_cursor(harness: Harness) -> None:
    issued = [await harness.issue(at=ACCEPTED_AT + timedelta(hours=hours)) for hours in (0, 0, 1, 1)]  # ties ordered by id
    newest_first = [c["id"] for c in sorted(issued, key=lambda c: (c["issued_at"], c["id"]), reverse=True)]
    for limit in (1, 2, 3, 4, 5):
        seen, pages = await page_through(harness, "/api/v1/me/coupons", limit)
        assert seen == newest_first and pages == -(-len(issued) // limit), limit  # before: a cursor, then an empty page
    code = issued[0]["code"]
    first = await harness.redeem(code, "ord_1")
    assert (await harness.release(code, first.json()["id"])).status_code == 200
    assert (await harness.redeem(code, "ord_2")).status_code == 201
    everything = (await harness.client.get(f"/api/v1/coupons/{code}/events", headers=headers(OWNER))).json()
    assert [e["type"] for e in everything["items"]] == ["issued", "redeemed", "released", "redeemed"] and everything["next_cursor"] is None
    in_order = [json.dumps(e, sort_keys=True) for e in everything["items"]]  # ledger entries carry no id
    for limit in (1, 2, 3, 4):
        seen, pages = await page_through(harness, f"/api/v1/coupons/{code}/events", limit)
        assert seen == in_order and pages == -(-4 // limit), limit
