"""CORS for configured web origins and security headers on every answer."""


async def test_a_configured_origin_gets_cors_headers_and_a_preflight_answer(gateway) -> None:
    origin = {"Origin": "http://localhost:3000"}
    response = await gateway.get("/api/v1/catalog/models", headers=origin)
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "x-request-id" in response.headers["access-control-expose-headers"]
    preflight = await gateway.options("/api/v1/plans", headers=origin | {"Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"]


async def test_an_unknown_origin_gets_no_cors_headers(gateway) -> None:
    response = await gateway.get("/api/v1/catalog/models", headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in response.headers
    assert (await gateway.options("/api/v1/plans", headers={"Origin": "http://evil.test"})).status_code == 403


async def test_security_headers_are_on_forwarded_answers_and_on_problems(gateway) -> None:
    for response in (await gateway.get("/api/v1/catalog/models"), await gateway.get("/api/v1/nowhere")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


async def test_oversized_query_strings_and_headers_are_refused(gateway) -> None:
    assert (await gateway.get("/api/v1/catalog/models?q=" + "x" * 5000)).status_code == 414
    assert (await gateway.get("/api/v1/catalog/models", headers={"X-Big": "y" * 20000})).status_code == 431
