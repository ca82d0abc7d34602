"""One OpenAPI document for partners: every service's public routes as the gateway exposes them."""

import asyncio
import copy
import html
import logging

import aiohttp
import orjson

from servicekit.openapi import PROBLEM_SCHEMA, add_problem_codes, problem_codes

log = logging.getLogger("gateway.openapi")

# Codes the gateway answers itself, on any route, before or instead of the service.
GATEWAY_CODES = {
    400: ["duplicate_credentials"],
    401: ["unauthorized"],
    413: ["payload_too_large"],
    414: ["uri_too_long"],
    429: ["rate_limited"],
    431: ["headers_too_large"],
    500: ["internal_error"],
    503: ["upstream_unavailable"],
    504: ["upstream_timeout"],
}
SECURITY_SCHEMES = {
    "customer": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "Account token; `sub` is the account id. An operation for ops only requires the role: `customer: [ops]` (the `roles` claim holds `ops`).",
    },
    "partnerKey": {
        "type": "apiKey", "in": "header", "name": "X-Api-Key",
        "description": "Partner key id. An operation open to some partner kinds only lists them (`retailer`, `logistics`, `checkout`); others are answered 404.",
    },
    "partnerSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Signature",
        "description": 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>\\n<METHOD>\\n<path with query>\\n<sha256 hex of body>")>; 300 s tolerance; single use.',
    },
}
_PROBLEM_RESPONSE = {"description": "Problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def merge(documents: dict[str, dict]) -> dict:
    """Merge service documents; a schema name two services define differently gets its service's prefix."""
    paths: dict = {}
    schemas: dict = {"Problem": PROBLEM_SCHEMA}
    for service, document in sorted(documents.items()):
        own = document.get("components", {}).get("schemas", {})
        renames = {name: f"{service.capitalize()}{name}" for name, schema in own.items() if name in schemas and schemas[name] != schema}
        text = orjson.dumps(document).decode()
        for old, new in renames.items():
            text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
        document = orjson.loads(text)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for path, operations in document.get("paths", {}).items():
            if path.startswith("/api/v1/"):
                paths[path] = _with_problems(operations, service)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Smart Upgrade & Exchange API",
            "version": "1.0.0",
            "description": "Assured buyback plans, trade-in quotes and exchanges, and exchange coupons. Errors are application/problem+json.",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
        "security": [{}, {"customer": []}, {"partnerKey": [], "partnerSignature": []}],
    }


def _with_problems(operations: dict, service: str) -> dict:
    operations = copy.deepcopy(operations)
    for operation in operations.values():
        if not isinstance(operation, dict) or "responses" not in operation:
            continue
        operation.setdefault("tags", [service])
        responses = operation["responses"]
        if "422" in responses and not problem_codes(responses["422"]):
            responses["422"] = _PROBLEM_RESPONSE  # a service document from before per-code responses
        for status, codes in GATEWAY_CODES.items():
            add_problem_codes(responses, status, codes)
        responses.setdefault("default", _PROBLEM_RESPONSE)
    return operations


class OpenApiDocument:
    """Keeps each service's last good document and the merged result; refreshes in the background."""

    def __init__(self, upstreams: dict[str, str], refresh_seconds: float) -> None:
        self.upstreams = upstreams
        self.refresh_seconds = refresh_seconds
        self.last_good: dict[str, dict] = {}
        self.merged = orjson.dumps(merge({}))

    async def refresh(self, session: aiohttp.ClientSession) -> None:
        changed = False
        for service, base in self.upstreams.items():
            try:
                async with session.get(base + "/openapi.json", timeout=aiohttp.ClientTimeout(total=3)) as response:
                    if response.status == 200:
                        document = await response.json()
                        changed |= self.last_good.get(service) != document
                        self.last_good[service] = document
            except (aiohttp.ClientError, TimeoutError, ValueError):
                log.info("openapi of %s unavailable; keeping the last good copy", service)
        if changed:
            self.merged = orjson.dumps(merge(self.last_good))

    async def keep_fresh(self, session: aiohttp.ClientSession) -> None:
        while True:
            await self.refresh(session)
            # Quickly while services are still starting, then at the configured pace.
            await asyncio.sleep(1.0 if len(self.last_good) < len(self.upstreams) else self.refresh_seconds)

    def docs_page(self) -> bytes:
        """A self-contained reference page (no scripts from elsewhere)."""
        document = orjson.loads(self.merged)
        rows = []
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if isinstance(operation, dict):
                    rows.append(
                        f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(operation.get('summary', ''))}</td><td>{html.escape(', '.join(operation.get('tags', [])))}</td></tr>"
                    )
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Smart Upgrade &amp; Exchange API</title>"
            "<style>body{font-family:sans-serif;margin:2em}td{padding:.2em .8em;border-bottom:1px solid #ddd}</style></head><body>"
            "<h1>Smart Upgrade &amp; Exchange API</h1><p>Machine-readable: <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a>; "
            "interactive: <a href='/api/v1/docs'>/api/v1/docs</a>; events: <a href='/api/v1/asyncapi.json'>/api/v1/asyncapi.json</a>. "
            "Customers send <code>Authorization: Bearer</code>; partners sign with <code>X-Api-Key</code> and <code>X-Signature</code>. "
            "Errors are <code>application/problem+json</code>.</p><table>" + "".join(rows) + "</table></body></html>"
        ).encode()
