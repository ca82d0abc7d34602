"""The merged OpenAPI document survives a service going down."""

from aiohttp import ClientSession, web

from eventing.testing import free_port
from gateway.openapi import OpenApiDocument, merge

QUOTES = {"openapi": "3.1.0", "paths": {"/api/v1/quotes": {"post": {"summary": "Quote", "responses": {"201": {"description": "ok"}, "422": {"description": "bad"}}}}}}


async def test_the_last_good_copy_is_served_while_a_service_is_down() -> None:
    async def serve(_: web.Request) -> web.Response:
        return web.json_response(QUOTES)

    app = web.Application()
    app.router.add_get("/openapi.json", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    document = OpenApiDocument({"valuation": f"http://127.0.0.1:{port}"}, refresh_seconds=30)
    async with ClientSession() as session:
        await document.refresh(session)
        await runner.cleanup()  # the service goes away
        await document.refresh(session)
    assert b"/api/v1/quotes" in document.merged


def test_errors_are_documented_as_problem_json_and_clashing_schema_names_are_prefixed() -> None:
    a = {"paths": {"/api/v1/a": {"get": {"responses": {"200": {"$ref": "#/components/schemas/Out"}}}}}, "components": {"schemas": {"Out": {"type": "object"}}}}
    b = {"paths": {"/api/v1/b": {"get": {"responses": {"200": {"$ref": "#/components/schemas/Out"}}}}}, "components": {"schemas": {"Out": {"type": "string"}}}}
    merged = merge({"alpha": a, "beta": b})
    assert merged["components"]["schemas"]["Out"] == {"type": "object"}
    assert merged["components"]["schemas"]["BetaOut"] == {"type": "string"}
    assert merged["paths"]["/api/v1/b"]["get"]["responses"]["200"]["$ref"] == "#/components/schemas/BetaOut"
    assert "application/problem+json" in merged["paths"]["/api/v1/a"]["get"]["responses"]["default"]["content"]
