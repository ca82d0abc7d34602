"""Interactive API docs (Swagger UI) at /api/v1/docs and the AsyncAPI document at /api/v1/asyncapi.json.

Swagger UI's files come from the pinned `fastapi-offline` package and are served from memory, read once at
start: the page loads nothing from elsewhere, and its policy allows only this origin (no inline script: the
start-up script is a file of its own). The AsyncAPI document is generated from `libs/contracts` at start.
"""

import importlib.resources

import orjson
from starlette.types import Send

from contracts.asyncapi import document as asyncapi_document
from gateway.problems import send_body, send_problem

DOCS = "/api/v1/docs"
ASYNCAPI = "/api/v1/asyncapi.json"
OPENAPI = "/api/v1/openapi.json"
# Swagger UI sets inline style attributes and uses data: images for its icons; scripts only from here.
CONTENT_SECURITY_POLICY = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    b"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_SWAGGER_FILES = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8", "favicon.png": "image/png"}
_START = f"""window.addEventListener("load", function () {{
  window.ui = SwaggerUIBundle({{
    url: "{OPENAPI}", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset], layout: "BaseLayout",
    persistAuthorization: false, tryItOutEnabled: false
  }});
}});
"""
_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Smart Upgrade &amp; Exchange API</title>
<link rel="icon" type="image/png" href="{DOCS}/favicon.png">
<link rel="stylesheet" href="{DOCS}/swagger-ui.css">
</head><body>
<noscript><p>The reference needs JavaScript; the document itself is <a href="{OPENAPI}">{OPENAPI}</a>,
the events are <a href="{ASYNCAPI}">{ASYNCAPI}</a>, and <a href="/docs">/docs</a> lists every operation.</p></noscript>
<div id="swagger-ui"></div>
<script src="{DOCS}/swagger-ui-bundle.js"></script>
<script src="{DOCS}/start.js"></script>
</body></html>
"""


class ApiDocuments:
    """The docs page, its files and the AsyncAPI document, all built once at start."""

    def __init__(self) -> None:
        static = importlib.resources.files("fastapi_offline") / "static"
        self.files: dict[str, tuple[bytes, str]] = {
            DOCS: (_PAGE.encode(), "text/html; charset=utf-8"),
            DOCS + "/start.js": (_START.encode(), "text/javascript; charset=utf-8"),
            ASYNCAPI: (orjson.dumps(asyncapi_document()), "application/json"),
        }
        for name, content_type in _SWAGGER_FILES.items():
            self.files[f"{DOCS}/{name}"] = ((static / name).read_bytes(), content_type)

    @staticmethod
    def serves(path: str) -> bool:
        return path in (DOCS, ASYNCAPI) or path.startswith(DOCS + "/")

    async def __call__(self, send: Send, path: str, request_id: str, edge: list[tuple[bytes, bytes]]) -> None:
        found = self.files.get(path.rstrip("/") if path != "/" else path)
        if found is None:
            await send_problem(send, 404, "not_found", "No such file of the API docs.", request_id, edge)
            return
        body, content_type = found
        headers = [(name, value) for name, value in edge if name != b"content-security-policy"]
        await send_body(send, 200, body, content_type, request_id, [*headers, (b"content-security-policy", CONTENT_SECURITY_POLICY)])
