"""What every response from the edge carries: security headers and, for allowed web origins, CORS."""

from gateway.config import Settings

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; style-src 'unsafe-inline'"),
]
_EXPOSED = b"x-request-id, traceparent, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, idempotent-replayed, location"
_ALLOWED_HEADERS = b"authorization, content-type, idempotency-key, x-request-id, traceparent"


class Cors:
    def __init__(self, settings: Settings) -> None:
        self.origins = {origin.encode() for origin in settings.cors_origins}

    def headers_for(self, origin: bytes | None) -> list[tuple[bytes, bytes]]:
        """CORS headers for a request from `origin` (none for origins not configured)."""
        if origin is None or origin not in self.origins:
            return []
        return [(b"access-control-allow-origin", origin), (b"vary", b"origin"), (b"access-control-expose-headers", _EXPOSED)]

    def preflight(self, origin: bytes | None) -> list[tuple[bytes, bytes]] | None:
        """Headers answering an OPTIONS preflight, or None when the origin is not allowed."""
        base = self.headers_for(origin)
        if not base:
            return None
        return [
            *base,
            (b"access-control-allow-methods", b"GET, POST, PUT, DELETE, OPTIONS"),
            (b"access-control-allow-headers", _ALLOWED_HEADERS),
            (b"access-control-max-age", b"600"),
        ]
