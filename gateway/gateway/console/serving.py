"""The console's files, read once at start and served from memory, under a self-only Content-Security-Policy.

The console is a plain front end of the public API: it is served by the gateway only so that it is same-origin
with `/api/v1` (no CORS, no token in a URL); it has no endpoint of its own but the development sign-in.
"""

import hashlib
from pathlib import Path

from starlette.types import Receive, Scope, Send

from gateway.config import Settings
from gateway.console.dev_sign_in import DEV_TOKEN_PATH, DevSignIn
from gateway.problems import send_body, send_problem

STATIC = Path(__file__).parent / "static"
PREFIX = "/console"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# Self only: no inline script or style, no third party, no framing. Scripts are modules from /console/.
CONTENT_SECURITY_POLICY = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY),
    (b"cross-origin-opener-policy", b"same-origin"),
    # Revalidated on every load (cheap: an ETag match is a 304), so a new release is picked up at once.
    (b"cache-control", b"no-cache"),
]


class StaticFile:
    def __init__(self, body: bytes, content_type: str) -> None:
        self.body = body
        self.content_type = content_type
        self.etag = b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


class Console:
    """Answers /console/… from files loaded at start (no disk read, no path ever joined from a request)."""

    def __init__(self, settings: Settings, static: Path = STATIC) -> None:
        self.files = {
            path.relative_to(static).as_posix(): StaticFile(path.read_bytes(), _TYPES[path.suffix])
            for path in sorted(static.rglob("*"))
            if path.is_file() and path.suffix in _TYPES
        }
        self.sign_in = DevSignIn(settings)

    @staticmethod
    def serves(path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/") or path == DEV_TOKEN_PATH

    async def __call__(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        path, method = scope["path"], scope["method"]
        if path == DEV_TOKEN_PATH:
            await self.sign_in(scope, receive, send, request_id)
            return
        if path == PREFIX:
            await send_body(send, 308, b"", "text/plain", request_id, [*PAGE_HEADERS, (b"location", b"/console/")])
            return
        file = self.files.get(path.removeprefix(PREFIX + "/") or "index.html")
        if file is None:
            await send_problem(send, 404, "not_found", "No such page in the console.", request_id, PAGE_HEADERS)
            return
        if method != "GET":
            await send_problem(send, 405, "method_not_allowed", "The console's files are only read.", request_id, [*PAGE_HEADERS, (b"allow", b"GET")])
            return
        headers = [*PAGE_HEADERS, (b"etag", file.etag)]
        if dict(scope["headers"]).get(b"if-none-match") == file.etag:
            await send_body(send, 304, b"", file.content_type, request_id, headers)
            return
        await send_body(send, 200, file.body, file.content_type, request_id, headers)
