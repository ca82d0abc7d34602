"""Header rules for forwarding: what never goes upstream, what never comes back."""

from collections.abc import Iterable

# Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway sets itself.
HOP_BY_HOP = {
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer",
    b"transfer-encoding", b"upgrade", b"host", b"content-length",
}
# Credentials end at the gateway; identity travels only as the signed X-Principal it adds.
CREDENTIALS = {b"authorization", b"x-api-key", b"x-signature", b"cookie"}
IDENTITY_PREFIXES = (b"x-principal", b"x-account", b"x-user", b"x-forwarded-user", b"x-auth", b"x-partner", b"x-store", b"x-role")


def upstream_headers(client_headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The client's headers minus hop-by-hop ones, credentials and any identity a client tried to send."""
    kept = {}
    for name, value in client_headers:
        if name in HOP_BY_HOP or name in CREDENTIALS or name.startswith(IDENTITY_PREFIXES):
            continue
        kept[name.decode("latin-1")] = value.decode("latin-1")
    return kept


_NOT_RETURNED = (HOP_BY_HOP - {b"content-length"}) | {b"server", b"date"}


def downstream_headers(upstream: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The service's response headers minus hop-by-hop ones (Content-Length stays: bodies pass as they are)."""
    return [(name, value) for name, value in upstream if name.lower() not in _NOT_RETURNED]
