"""The catalog API against a real database."""

import orjson
from sqlalchemy import select

from catalog.db.tables import outbox
from catalog.seed.__main__ import sample_imei
from servicekit.testing import principal_headers

MODELS = "/api/v1/catalog/models"
OPS = principal_headers("ops", "ops-1")
CUSTOMER = principal_headers("customer", "acc-1")


async def test_the_smart_upgrade_list_shows_the_seeded_mi_and_redmi_phones_with_srp_and_fee(catalog) -> None:
    items = (await catalog.get(MODELS, params={"program": "smart_upgrade", "limit": 100})).json()["items"]
    by_id = {m["id"]: m for m in items}
    assert {m["brand"] for m in items} == {"Mi", "Redmi"}
    assert by_id["redmi-9-prime-4gb-64gb"]["smart_upgrade"] == {"eligible": True, "fee_paise": 39900}
    assert by_id["mi-10-8gb-128gb"]["smart_upgrade"]["fee_paise"] == 199900
    assert by_id["redmi-note-9-pro-4gb-64gb"]["srp_paise"] == 1399900  # after the April 2020 revision


async def test_paging_with_the_cursor_visits_every_model_once(catalog) -> None:
    seen, cursor = [], None
    while True:
        page = (await catalog.get(MODELS, params={"limit": 7, **({"cursor": cursor} if cursor else {})})).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 57
    assert seen == sorted(seen)


async def test_filters_by_brand_category_and_text(catalog) -> None:
    samsung = (await catalog.get(MODELS, params={"brand": "samsung", "category": "tablet"})).json()["items"]
    assert [m["id"] for m in samsung] == ["samsung-galaxy-tab-a7-3gb-32gb"]
    found = (await catalog.get(MODELS, params={"q": "note 9 pro max", "program": "exchange"})).json()["items"]
    assert len(found) == 3


async def test_a_bad_cursor_or_limit_is_a_validation_problem(catalog) -> None:
    for params in ({"cursor": "!!"}, {"limit": 101}, {"program": "both"}):
        response = await catalog.get(MODELS, params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"
        assert response.json()["errors"]


async def test_a_seeded_imei_names_its_model(catalog) -> None:
    response = await catalog.get(f"/api/v1/catalog/devices/{sample_imei('redmi-note-9-pro-4gb-64gb')}")
    assert response.status_code == 200
    assert response.json()["model"]["id"] == "redmi-note-9-pro-4gb-64gb"


async def test_an_invalid_imei_and_an_unknown_tac_are_told_apart(catalog) -> None:
    imei = sample_imei("redmi-note-9-pro-4gb-64gb")
    wrong_check_digit = imei[:-1] + str((int(imei[-1]) + 1) % 10)
    assert (await catalog.get(f"/api/v1/catalog/devices/{wrong_check_digit}")).json()["code"] == "imei_invalid"
    assert (await catalog.get("/api/v1/catalog/devices/490154203237518")).json()["code"] == "tac_unknown"


async def test_an_unknown_model_is_not_found(catalog) -> None:
    response = await catalog.get(f"{MODELS}/no-such-phone")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def new_model_body(**overrides) -> dict:
    body = {
        "brand": "Redmi", "name": "Redmi Note 10", "ram_gb": 4, "storage_gb": 64, "category": "smartphone",
        "launch_date": "2021-03-16", "srp_history": [{"effective_from": "2021-03-16", "srp_paise": 1199900}],
        "tacs": ["99100001"], "smart_upgrade": {"eligible": True, "fee_paise": 49900}, "exchange": {"eligible": True},
    }
    return body | overrides


async def test_ops_create_then_replace_a_model_and_each_change_publishes_the_whole_model(catalog) -> None:
    created = await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=new_model_body(), headers=OPS)
    assert created.status_code == 201
    replaced = await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=new_model_body(name="Redmi Note 10 (2021)"), headers=OPS)
    assert replaced.status_code == 200
    assert (await catalog.get(f"{MODELS}/redmi-note-10-4gb-64gb")).json()["name"] == "Redmi Note 10 (2021)"
    events = await outbox_events(catalog, "redmi-note-10-4gb-64gb")
    assert [e["type"] for e in events] == ["catalog.ModelUpserted", "catalog.ModelUpserted"]
    assert events[-1]["data"]["name"] == "Redmi Note 10 (2021)"
    assert events[-1]["data"]["tacs"] == ["99100001"] and events[-1]["data"]["smart_upgrade"]["fee_paise"] == 49900


async def test_writes_are_for_ops_only(catalog) -> None:
    anonymous = await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=new_model_body())
    customer = await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=new_model_body(), headers=CUSTOMER)
    assert anonymous.status_code == 401
    assert customer.status_code == 404
    assert (await catalog.get(f"{MODELS}/redmi-note-10-4gb-64gb")).status_code == 404


async def test_a_tac_of_another_model_and_a_missing_fee_are_refused(catalog) -> None:
    taken = await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=new_model_body(tacs=["99000801"]), headers=OPS)
    assert taken.status_code == 409 and taken.json()["code"] == "tac_conflict"
    no_fee = await catalog.put(f"{MODELS}/redmi-note-10-4gb-64gb", json=new_model_body(smart_upgrade={"eligible": True}), headers=OPS)
    assert no_fee.status_code == 422 and no_fee.json()["errors"][0]["field"] == "smart_upgrade.fee_paise"


async def test_a_new_srp_takes_effect_on_its_date_and_is_published(catalog) -> None:
    url = f"{MODELS}/redmi-9-4gb-64gb/prices"
    today_price = await catalog.post(url, json={"effective_from": "2026-01-01", "srp_paise": 1049900}, headers=OPS)
    assert today_price.status_code == 201 and today_price.json()["srp_paise"] == 1049900
    future = await catalog.post(url, json={"effective_from": "2099-01-01", "srp_paise": 1}, headers=OPS)
    assert future.json()["srp_paise"] == 1049900
    events = await outbox_events(catalog, "redmi-9-4gb-64gb")
    assert events[-1]["data"]["srp_history"][-1] == {"effective_from": "2099-01-01", "srp_paise": 1}


async def test_a_replayed_price_with_the_same_idempotency_key_is_applied_once(catalog) -> None:
    url = f"{MODELS}/redmi-9-4gb-64gb/prices"
    headers = OPS | {"Idempotency-Key": "price-2026-01"}
    first = await catalog.post(url, json={"effective_from": "2026-01-01", "srp_paise": 1049900}, headers=headers)
    again = await catalog.post(url, json={"effective_from": "2026-01-01", "srp_paise": 1049900}, headers=headers)
    other = await catalog.post(url, json={"effective_from": "2026-01-01", "srp_paise": 1}, headers=headers)
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    seed_and_one = await outbox_events(catalog, "redmi-9-4gb-64gb")
    assert len(seed_and_one) == 2


async def outbox_events(catalog, model_id: str) -> list[dict]:
    async with catalog.app.state.db.reading() as session:
        rows = await session.scalars(select(outbox.c.envelope).where(outbox.c.key == model_id).order_by(outbox.c.id))
        return [orjson.loads(r) for r in rows]


async def test_metrics_expose_request_latency_and_the_outbox_backlog(catalog) -> None:
    await catalog.get(MODELS)
    await catalog.app.state.relay.measure_pending()
    scraper = {"authorization": f"Bearer {catalog.app.state.service_settings.metrics_token}"}
    text = (await catalog.get("/metrics", headers=scraper)).text
    assert 'http_request_duration_seconds_count{method="GET",route="/api/v1/catalog/models",service="catalog",status="200"}' in text
    assert 'outbox_pending{source="/catalog"} 57.0' in text


async def test_metrics_and_docs_are_not_served_to_whoever_reaches_the_port(catalog) -> None:
    assert (await catalog.get("/metrics")).status_code == 404
    assert (await catalog.get("/metrics", headers={"authorization": "Bearer guess"})).status_code == 404
    assert (await catalog.get("/docs")).status_code == 404
    assert (await catalog.get("/redoc")).status_code == 404
