"""Registering, listing, disabling and rotating webhook endpoints, as partners and ops see them."""

import base64

from notification.testing import LOGISTICS, OPS, OTHER_RETAILER, OWNER, RETAILER, Harness, headers

URL = "https://partner.example/webhooks"


async def test_a_partner_registers_an_endpoint_and_sees_its_secret_once(harness: Harness) -> None:
    created = await harness.register(RETAILER, URL, ["valuation.ExchangeAccepted", "coupon.CouponRedeemed"])
    assert created["secret"].startswith("whsec_") and len(base64.b64decode(created["secret"][6:])) >= 24
    assert created["event_types"] == ["valuation.ExchangeAccepted", "coupon.CouponRedeemed"] and created["status"] == "enabled"

    shown = await harness.client.get(f"/api/v1/webhooks/endpoints/{created['id']}", headers=headers(RETAILER))
    assert shown.status_code == 200 and "secret" not in shown.json()


async def test_registering_the_same_url_again_names_the_existing_endpoint(harness: Harness) -> None:
    created = await harness.register(RETAILER, URL)
    again = await harness.client.post("/api/v1/webhooks/endpoints", json={"url": URL, "event_types": ["*"]}, headers=headers(RETAILER))
    assert again.status_code == 409
    assert again.json()["code"] == "webhook_endpoint_exists" and again.json()["endpoint_id"] == created["id"]


async def test_bad_urls_and_event_types_are_refused_naming_the_field(harness: Harness) -> None:
    cases = {
        "http://partner.example/hook": "url",  # plain http to the internet
        "https://10.0.0.7/hook": "url",  # this network
        "https://169.254.169.254/latest/meta-data": "url",  # cloud metadata
        "https://user:pw@partner.example/hook": "url",
        "ftp://partner.example/hook": "url",
        "not a url": "url",
    }
    for url, field in cases.items():
        response = await harness.client.post("/api/v1/webhooks/endpoints", json={"url": url, "event_types": ["*"]}, headers=headers(RETAILER))
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["field"] == field, url
    unknown = await harness.client.post("/api/v1/webhooks/endpoints", json={"url": URL, "event_types": ["coupon.Nope"]}, headers=headers(RETAILER))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "event_types"
    empty = await harness.client.post("/api/v1/webhooks/endpoints", json={"url": URL, "event_types": []}, headers=headers(RETAILER))
    assert empty.status_code == 422


async def test_loopback_http_is_accepted_outside_production(harness: Harness) -> None:
    created = await harness.register(RETAILER, "http://127.0.0.1:9/hook")
    assert created["url"] == "http://127.0.0.1:9/hook"


async def test_a_partner_sees_only_its_own_endpoints_and_ops_see_all(harness: Harness) -> None:
    mine = await harness.register(RETAILER, URL)
    theirs = await harness.register(OTHER_RETAILER, "https://other.example/hook")

    listed = await harness.client.get("/api/v1/webhooks/endpoints", headers=headers(RETAILER))
    assert [e["id"] for e in listed.json()["items"]] == [mine["id"]]
    assert (await harness.client.get(f"/api/v1/webhooks/endpoints/{theirs['id']}", headers=headers(RETAILER))).status_code == 404
    assert (await harness.client.get(f"/api/v1/webhooks/endpoints/{theirs['id']}/deliveries", headers=headers(RETAILER))).status_code == 404
    assert (await harness.client.post(f"/api/v1/webhooks/endpoints/{theirs['id']}/disable", headers=headers(RETAILER))).status_code == 404

    everyone = await harness.client.get("/api/v1/webhooks/endpoints", headers=headers(OPS))
    assert {e["id"] for e in everyone.json()["items"]} == {mine["id"], theirs["id"]}
    assert (await harness.client.get("/api/v1/webhooks/endpoints", headers=headers(OWNER))).status_code == 404
    assert (await harness.client.get("/api/v1/webhooks/endpoints")).status_code == 401
    customer_post = await harness.client.post("/api/v1/webhooks/endpoints", json={"url": URL, "event_types": ["*"]}, headers=headers(OWNER))
    assert customer_post.status_code == 404


async def test_ops_disable_an_endpoint_with_a_reason_the_partner_reads_and_the_partner_enables_it(harness: Harness) -> None:
    created = await harness.register(LOGISTICS, URL)
    disabled = await harness.client.post(f"/api/v1/webhooks/endpoints/{created['id']}/disable", json={"reason": "abuse report"}, headers=headers(OPS))
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    seen = (await harness.client.get(f"/api/v1/webhooks/endpoints/{created['id']}", headers=headers(LOGISTICS))).json()
    assert seen["disabled_reason"] == "disabled by ops: abuse report"
    enabled = await harness.client.post(f"/api/v1/webhooks/endpoints/{created['id']}/enable", headers=headers(LOGISTICS))
    assert enabled.json()["status"] == "enabled" and enabled.json()["disabled_reason"] is None


async def test_rotating_gives_a_new_secret_and_keeps_the_old_one_signing_for_a_day(harness: Harness) -> None:
    created = await harness.register(RETAILER, URL)
    rotated = await harness.client.post(f"/api/v1/webhooks/endpoints/{created['id']}/secret/rotate", headers=headers(RETAILER))
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"] and rotated.json()["previous_secret_valid_until"] is not None
    assert (await harness.client.post(f"/api/v1/webhooks/endpoints/{created['id']}/secret/rotate", headers=headers(OPS))).status_code == 404


async def test_secrets_are_not_stored_in_the_clear(harness: Harness) -> None:
    created = await harness.register(RETAILER, URL)
    async with harness.app.state.db.reading() as session:
        from sqlalchemy import select

        from notification.db.tables import endpoints

        stored = await session.scalar(select(endpoints.c.secret).where(endpoints.c.id == created["id"]))
    assert stored is not None and created["secret"] not in stored and created["secret"][6:] not in stored
