"""Routing, limits, request ids and upstream failures as problem+json."""


async def test_an_unknown_path_is_a_404_problem(gateway) -> None:
    response = await gateway.get("/api/v1/nowhere")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_the_path_and_query_reach_the_service_as_sent(gateway) -> None:
    response = await gateway.get("/api/v1/catalog/models?brand=Redmi&q=note%209")
    assert response.json()["path"] == "/api/v1/catalog/models?brand=Redmi&q=note%209"


async def test_the_request_id_is_kept_or_made_and_a_traceparent_is_forwarded(gateway) -> None:
    kept = await gateway.get("/api/v1/catalog/models", headers={"X-Request-ID": "req-42"})
    assert kept.json()["headers"]["x-request-id"] == "req-42"
    made = await gateway.get("/api/v1/nowhere")
    assert len(made.headers["x-request-id"]) == 32
    traced = await gateway.get("/api/v1/catalog/models", headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
    assert traced.json()["headers"]["traceparent"] == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def test_a_body_over_the_limit_is_refused_with_413_before_the_service_sees_it(gateway) -> None:
    response = await gateway.post("/api/v1/quotes", content=b"x" * (1024 * 1024))
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


async def test_a_service_that_is_down_is_a_503_problem(gateway) -> None:
    response = await gateway.get("/api/v1/plans/preview")
    assert response.status_code == 503 and response.json()["code"] == "upstream_unavailable"


async def test_a_service_that_is_too_slow_is_a_504_problem(gateway) -> None:
    response = await gateway.get("/api/v1/catalog/slow")
    assert response.status_code == 504 and response.json()["code"] == "upstream_timeout"


async def test_the_gateway_answers_its_own_liveness_and_readiness(gateway) -> None:
    assert (await gateway.get("/health/live")).status_code == 200
    assert (await gateway.get("/health/ready")).json() == {"status": "ok"}
