"""No input gives a 5xx: arbitrary cursors, limits and ids on every valuation list and read; and paging ends cleanly."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from contracts.coupon import CouponVoided
from servicekit.fuzz import HOSTILE, assert_handled, cursor_of, cursors, ids, limits, path_segment
from valuation.testing import FLAWLESS, OPS, customer, imei

ACCOUNT = "acc-1"


@HOSTILE
@given(cursor=cursors(), limit=limits(), some_id=ids(), text=st.text(max_size=40))
async def test_any_cursor_limit_or_id_gets_an_answer_never_a_server_error(service, cursor, limit, some_id, text) -> None:
    for params in ({"cursor": cursor}, {"limit": limit}, {"cursor": cursor, "limit": limit}):
        assert_handled(await service.http.get("/api/v1/me/exchanges", params=params, headers=customer(ACCOUNT)))
    segment = path_segment(some_id)
    for headers in (customer(ACCOUNT), OPS):
        assert_handled(await service.http.get(f"/api/v1/quotes/{segment}", headers=headers))
        assert_handled(await service.http.get(f"/api/v1/exchanges/{segment}", headers=headers))
    assert_handled(await service.http.get(f"/api/v1/market-prices/{segment}", headers=OPS))
    assert_handled(await service.http.delete(f"/api/v1/blocklist/{segment}", headers=OPS))
    assert_handled(await service.http.post(f"/api/v1/exchanges/{segment}/cancel", headers=customer(ACCOUNT)))
    quote = {"imei": some_id, "model_id": text, "account_id": text, "condition": FLAWLESS}
    assert_handled(await service.http.post("/api/v1/quotes", json=quote, headers=OPS))


async def test_the_reported_attacks_are_validation_errors(service) -> None:
    for cursor in (cursor_of(["2021-03-01T00:00:00", "exc_x"]), cursor_of(["9999-12-31T23:59:59-23:59", "exc_x"]), cursor_of([1]), "%%"):
        response = await service.http.get("/api/v1/me/exchanges", params={"cursor": cursor}, headers=customer(ACCOUNT))
        assert (response.status_code, response.json()["code"], response.json()["errors"][0]["field"]) == (422, "validation_error", "cursor")
    for exchange_id in ("exc_%00", "exc_'", "e" * 41):
        response = await service.http.get(f"/api/v1/exchanges/{exchange_id}", headers=customer(ACCOUNT))
        assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_paging_shows_every_exchange_once_newest_first_and_an_exactly_full_last_page_has_no_cursor(service) -> None:
    opened = []
    for serial, minutes in enumerate((0, 0, 3, 3)):  # ties on created_at are ordered by id
        service.clock.advance(timedelta(minutes=minutes))
        exchange = await service.open_exchange(ACCOUNT, imei(serial))
        opened.append(exchange)
        cancelled = await service.http.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=customer(ACCOUNT))
        assert cancelled.status_code == 200, cancelled.text
        voided = CouponVoided(coupon_id=f"cpn_{serial}", exchange_id=exchange["id"], account_id=ACCOUNT, reason="customer_cancelled", voided_at=service.clock.now())
        await service.deliver(voided)
    newest_first = [e["id"] for e in sorted(opened, key=lambda e: (e["created_at"], e["id"]), reverse=True)]
    for limit in (1, 2, 3, 4, 5):
        seen, pages, cursor = [], 0, None
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = (await service.http.get("/api/v1/me/exchanges", params=params, headers=customer(ACCOUNT))).json()
            seen += [e["id"] for e in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == newest_first, limit
        assert pages == -(-len(opened) // limit), limit  # 4 exchanges at 1, 2 or 4 a page: no empty page after a full one
