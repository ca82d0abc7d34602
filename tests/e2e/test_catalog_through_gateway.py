"""The catalog through the gateway, as a new user sees it after `make run`."""

import asyncio
import importlib

from aiokafka import AIOKafkaConsumer

from catalog.seed.__main__ import sample_imei

helpers = importlib.import_module("tests.e2e.helpers")
conftest = importlib.import_module("tests.e2e.conftest")


def test_the_smart_upgrade_list_shows_seeded_phones_with_srp_and_fee(api) -> None:
    response = api.get("/api/v1/catalog/models", params={"program": "smart_upgrade"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and all(m["brand"] in ("Mi", "Redmi") and m["smart_upgrade"]["fee_paise"] and m["srp_paise"] for m in items)
    assert response.headers["x-request-id"]


def test_a_seeded_imei_names_its_model(api) -> None:
    response = api.get(f"/api/v1/catalog/devices/{sample_imei('mi-10t-6gb-128gb')}")
    assert response.status_code == 200 and response.json()["model"]["name"] == "Mi 10T"


def test_an_ops_srp_change_is_published_as_model_upserted(api, stack) -> None:
    customer = api.post("/api/v1/catalog/models/mi-10-8gb-128gb/prices", json={"effective_from": "2026-02-01", "srp_paise": 4499900}, headers=helpers.bearer("acc-1"))
    assert customer.status_code == 404
    changed = api.post("/api/v1/catalog/models/mi-10-8gb-128gb/prices", json={"effective_from": "2026-02-01", "srp_paise": 4499900}, headers=helpers.bearer("ops-1", "ops"))
    assert changed.status_code == 201 and changed.json()["srp_paise"] == 4499900
    assert asyncio.run(_srp_published(f"127.0.0.1:{stack.broker_port}", "mi-10-8gb-128gb", 4499900))


async def _srp_published(bootstrap: str, model_id: str, srp: int) -> bool:
    consumer = AIOKafkaConsumer("catalog.events", bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key == model_id.encode() and b'"srp_paise":%d' % srp in record.value:
                        return True
        return False
    finally:
        await consumer.stop()
