"""The partner request signature the gateway checks (SPEC §8).

X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>\\n<METHOD>\\n<path with query>\\n<sha256 hex of body>")>

The partner client (`smartupgrade_partner.signing`) computes the same on the calling side and is
installed by partners on its own, so it cannot import this; the gateway's tests sign with the client
and verify here, so the two cannot drift apart unnoticed.
"""

import hashlib
import hmac


def string_to_sign(timestamp: int, method: str, path_with_query: str, body: bytes) -> bytes:
    return f"{timestamp}\n{method.upper()}\n{path_with_query}\n{hashlib.sha256(body).hexdigest()}".encode()


def signature(secret: str, timestamp: int, method: str, path_with_query: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of one request, as the partner should have sent it in `v1=`."""
    return hmac.new(secret.encode(), string_to_sign(timestamp, method, path_with_query, body), hashlib.sha256).hexdigest()
