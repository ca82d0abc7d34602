"""Request signing exactly as the gateway checks it (SPEC §8).

X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>\\n<METHOD>\\n<path with query>\\n<sha256 hex of body>")>
"""

import hashlib
import hmac
import time


def string_to_sign(timestamp: int, method: str, path_with_query: str, body: bytes) -> bytes:
    return f"{timestamp}\n{method.upper()}\n{path_with_query}\n{hashlib.sha256(body).hexdigest()}".encode()


def signature(secret: str, timestamp: int, method: str, path_with_query: str, body: bytes) -> str:
    return hmac.new(secret.encode(), string_to_sign(timestamp, method, path_with_query, body), hashlib.sha256).hexdigest()


def sign_request(key_id: str, secret: str, method: str, path_with_query: str, body: bytes = b"", now: float | None = None) -> dict[str, str]:
    """The two headers that authenticate one partner request."""
    timestamp = int(now if now is not None else time.time())
    return {"X-Api-Key": key_id, "X-Signature": f"t={timestamp},v1={signature(secret, timestamp, method, path_with_query, body)}"}
