"""Each operation's OpenAPI entry says what its route really does, read from the route itself.

Who may call it comes from the guard the route depends on (`servicekit.principal.ADMITS`), the
`Idempotency-Key` header from a dependency on `servicekit.idempotency`, and the problem codes from the
service's refusal table (`service/errors.py` STATUS, grouped by HTTP status) plus the codes the guard,
the validation and the idempotency store answer with. The refusal table is per service, not per
route: an operation lists every code its service may refuse with at a status, and answers a subset.
The gateway (gateway/openapi.py) adds the codes it answers itself when it merges the documents.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from servicekit.idempotency import HEADER, idempotency
from servicekit.principal import ADMITS, PartnerKind, current_principal, require_signed_in
from servicekit.problems import problem_body

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details with a stable machine-readable code.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "examples": ["imei_invalid"]},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_SIGNED_IN = {401: {"unauthorized"}, 503: {"upstream_unavailable"}}  # the forwarded identity is checked once, fail closed
_HIDDEN = {404: {"not_found"}}  # a guard answers callers it does not admit as if the route did not exist
_IDEMPOTENT = {409: {"idempotency_key_in_flight"}, 422: {"idempotency_key_reused", "validation_error"}}
_PARTNER_KINDS: tuple[str, ...] = get_args(PartnerKind)


class DocumentedApp(FastAPI):
    """FastAPI whose document states each operation's callers, Idempotency-Key and problem codes."""

    _described: dict[str, Any] | None = None

    def openapi(self) -> dict[str, Any]:
        document = super().openapi()  # FastAPI's, made afresh when the routes changed
        if document is not self._described:
            describe_operations(self, document)
            self._described = document
        return document


def describe_operations(app: FastAPI, document: dict[str, Any]) -> None:
    """Complete every operation of `document` (the app's own) from its route, in place."""
    refusals: dict[str, int] = getattr(app.state, "refusal_status", {})
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for route in iter_route_contexts(app.routes):  # included routers' routes as served, prefixes applied
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        calls = set(_calls(route.dependant))
        admitted = next((ADMITS[call] for call in calls if call in ADMITS), None)
        if admitted is None and current_principal in calls:
            admitted = UNDECLARED  # a guard of the route's own that has not said whom it admits (principal.admits)
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            codes = {422: {"validation_error"}}
            _add(codes, _grouped(refusals.items()))
            if admitted is not None:
                _add(codes, _SIGNED_IN)
                operation["security"] = security_of(admitted)
                operation["description"] = (operation.get("description", "") + f"\n\n**Who may call:** {', '.join(admitted)}.").strip()
                if set(admitted) - {"anonymous"} != set(ADMITS_ANY_SIGNED_IN):
                    _add(codes, _HIDDEN)
            else:
                operation["security"] = [{}]
            if idempotency in calls:
                _add(codes, _IDEMPOTENT)
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            # A route may name codes of its own: openapi_extra={"x-problem-codes": {"409": ["replay_failed"]}}.
            _add(codes, {int(status): set(more) for status, more in operation.pop("x-problem-codes", {}).items()})
            responses = operation["responses"]
            responses.pop("422", None)  # FastAPI's own validation schema: ours is a Problem
            _add_examples(operation, document["components"]["schemas"])
            for status, status_codes in sorted(codes.items()):
                add_problem_codes(responses, status, status_codes)


# Anyone, the answer depending on who: what a route that reads the principal without a declared guard can promise.
ADMITS_ANY_SIGNED_IN = ADMITS[require_signed_in]
UNDECLARED = ("anonymous", *ADMITS_ANY_SIGNED_IN)

IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the same key with the same request within 24 h gets the first answer back "
        "(`Idempotent-Replayed: true`) and changes nothing again; with another request it is refused."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "example": "3f1c2a9e-order-9001-redeem",
}
assert IDEMPOTENCY_KEY["name"].lower() == HEADER


def security_of(admitted: tuple[str, ...]) -> list[dict[str, list[str]]]:
    """OpenAPI security requirements (alternatives) for what a guard admits; role names as scopes (OAS 3.1)."""
    requirements: list[dict[str, list[str]]] = [{}] if "anonymous" in admitted else []
    if "customer" in admitted:
        requirements.append({"customer": []})
    elif "ops" in admitted:
        requirements.append({"customer": ["ops"]})
    kinds = [who.split(":", 1)[1] for who in admitted if who.startswith("partner:")]
    if kinds:
        requirements.append({"partnerKey": [] if set(kinds) == set(_PARTNER_KINDS) else kinds, "partnerSignature": []})
    return requirements


def add_problem_codes(responses: dict[str, Any], status: int, codes: Iterable[str]) -> None:
    """Make `responses[status]` a Problem whose `code` is one of `codes` (joined with any already listed)."""
    known = set(problem_codes(responses.get(str(status), {})))
    every = sorted(known | set(codes))
    responses[str(status)] = {
        "description": f"Problem: {', '.join(every)}",
        "content": {
            "application/problem+json": {
                "schema": {"allOf": [{"$ref": PROBLEM_REF}, {"properties": {"code": {"enum": every}}}]},
                "examples": {code: {"summary": code, "value": problem_body(status, code, _example_detail(code))} for code in every},
            }
        },
    }


def problem_codes(response: dict[str, Any]) -> list[str]:
    """The `code` values a Problem response lists (none for any other response)."""
    try:
        return list(response["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"]["code"]["enum"])
    except (KeyError, IndexError, TypeError):
        return []


def _example_detail(code: str) -> str:
    return code.replace("_", " ").capitalize() + "; see `code`."


def _add_examples(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A JSON body or 2xx answer whose model gives no example gets one made from its schema (and its fields' examples)."""
    bodies = [operation.get("requestBody", {})] + [r for status, r in operation["responses"].items() if status.startswith("2")]
    for body in bodies:
        media = body.get("content", {}).get("application/json")
        if media is None or "example" in media or "examples" in media:
            continue
        schema = media.get("schema", {})
        models = [option.get("$ref", "") for option in [schema, *schema.get("anyOf", [])]]
        if not any(schemas.get(ref.rsplit("/", 1)[-1], {}).get("examples") for ref in models if ref):  # the model's own come first
            media["example"] = example_of(schema, schemas)


def example_of(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A value `schema` allows: its own example, else one built from its parts."""
    if "$ref" in schema:
        return example_of(schemas.get(schema["$ref"].rsplit("/", 1)[-1], {}), schemas, depth)
    for key in ("examples", "enum"):
        if schema.get(key):
            return schema[key][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("default") is not None:
        return schema["default"]
    if "anyOf" in schema:
        return example_of(next((o for o in schema["anyOf"] if o.get("type") != "null"), {"type": "null"}), schemas, depth)
    kind = schema.get("type")
    if kind == "object" and depth < 8:
        return {name: example_of(prop, schemas, depth + 1) for name, prop in schema.get("properties", {}).items()}
    if kind == "array" and depth < 8:
        return [example_of(schema.get("items", {}), schemas, depth + 1)]
    formats = {"date": "2026-12-01", "date-time": "2026-12-01T10:30:00Z"}
    return {"integer": 0, "number": 0, "boolean": True, "null": None}.get(kind or "", formats.get(schema.get("format", ""), "string"))


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _grouped(refusals: Iterable[tuple[str, int]]) -> dict[int, set[str]]:
    grouped: dict[int, set[str]] = {}
    for code, status in refusals:
        grouped.setdefault(status, set()).add(code)
    return grouped


def _add(codes: dict[int, set[str]], more: dict[int, set[str]]) -> None:
    for status, extra in more.items():
        codes.setdefault(status, set()).update(extra)
