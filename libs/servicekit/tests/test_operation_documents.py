"""Each operation's OpenAPI entry is read from its route: callers from its guard, Idempotency-Key, problem codes."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI

from servicekit.idempotency import IdempotencyDep
from servicekit.openapi import DocumentedApp, problem_codes
from servicekit.principal import CustomerDep, OpsDep, Principal, PrincipalDep, admits, require_partner, require_signed_in
from servicekit.problems import RefusalAnswers


@admits("ops", "partner:checkout")
async def ops_or_checkout(principal: PrincipalDep) -> Principal:
    return await require_signed_in(principal)


def app() -> FastAPI:
    router = APIRouter(prefix="/api/v1")

    @router.get("/public")
    async def public() -> dict[str, str]:
        return {}

    @router.get("/mine")
    async def mine(_: CustomerDep) -> dict[str, str]:
        return {}

    @router.post("/ops-write")
    async def ops_write(_: OpsDep, __: IdempotencyDep) -> dict[str, str]:
        return {}

    @router.post("/handover", openapi_extra={"x-problem-codes": {"409": ["exchange_not_awaiting_handover"]}})
    async def handover(_: Annotated[Principal, Depends(require_partner("logistics"))]) -> dict[str, str]:
        return {}

    @router.get("/own-guard")
    async def own_guard(_: Annotated[Principal, Depends(ops_or_checkout)]) -> dict[str, str]:
        return {}

    @router.get("/reads-principal")
    async def reads_principal(_: PrincipalDep) -> dict[str, str]:
        return {}

    documented = DocumentedApp()
    documented.include_router(router)
    RefusalAnswers({"not_found": 404, "tac_conflict": 409, "imei_invalid": 422}).install(documented)
    return documented


def operation(document: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    return document["paths"]["/api/v1" + path][method]


def test_each_operation_names_the_callers_its_guard_admits() -> None:
    document = app().openapi()
    assert operation(document, "/public")["security"] == [{}]
    assert operation(document, "/mine")["security"] == [{"customer": []}]
    assert operation(document, "/ops-write", "post")["security"] == [{"customer": ["ops"]}]
    assert operation(document, "/handover", "post")["security"] == [{"partnerKey": ["logistics"], "partnerSignature": []}]
    assert operation(document, "/own-guard")["security"] == [{"customer": ["ops"]}, {"partnerKey": ["checkout"], "partnerSignature": []}]
    # A route reading the principal through a guard that declares nothing promises only "anyone, answer depending on who".
    assert {} in operation(document, "/reads-principal")["security"]


def test_only_a_route_honouring_idempotency_keys_documents_the_header() -> None:
    document = app().openapi()
    assert [p["name"] for p in operation(document, "/ops-write", "post").get("parameters", [])] == ["Idempotency-Key"]
    assert "parameters" not in operation(document, "/handover", "post")


def test_problem_responses_list_the_services_codes_by_status_and_the_guards_and_the_routes_own() -> None:
    document = app().openapi()
    responses = operation(document, "/ops-write", "post")["responses"]
    assert problem_codes(responses["409"]) == ["idempotency_key_in_flight", "tac_conflict"]
    assert problem_codes(responses["422"]) == ["idempotency_key_reused", "imei_invalid", "validation_error"]
    assert problem_codes(responses["401"]) == ["unauthorized"] and problem_codes(responses["404"]) == ["not_found"]
    assert "401" not in operation(document, "/public")["responses"]
    assert "exchange_not_awaiting_handover" in problem_codes(operation(document, "/handover", "post")["responses"]["409"])
    example = responses["409"]["content"]["application/problem+json"]["examples"]["tac_conflict"]["value"]
    assert (example["status"], example["code"]) == (409, "tac_conflict")
