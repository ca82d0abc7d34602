"""Who is on the other end: the client address rate limits count against, and W3C trace context.

X-Forwarded-For is believed only from configured proxies (TRUSTED_PROXIES), and then only as far
as the chain of trusted hops goes: the first address from the right that is not a trusted proxy
is the client. Anyone else's X-Forwarded-For is ignored, so a header cannot choose a bucket.
"""

import ipaddress
import re
import uuid
from collections.abc import Sequence

from gateway.config import Network

_TRACEPARENT = re.compile(rb"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")


def client_address(peer: str | None, forwarded_for: bytes | None, trusted: Sequence[Network]) -> str:
    """The client's address: the TCP peer, or the nearest untrusted hop when the peer is a trusted proxy."""
    if peer is None:
        return "-"
    if not trusted or forwarded_for is None or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.decode("latin-1").split(",")]
    for hop in reversed(hops):
        if not hop:
            continue
        if not _is_trusted(hop, trusted):
            return hop if _parses(hop) else peer
    return peer


def rate_key(address: str) -> str:
    """The bucket name of an address; IPv6 by /64, since one subscriber is handed a whole /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def trace_parent(sent: bytes | None) -> str:
    """The caller's `traceparent` when it is valid W3C (version 00), else a fresh one."""
    if sent is not None and _TRACEPARENT.match(sent):
        return sent.decode("ascii")
    return f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"


def _parses(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(text: str, trusted: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in network for network in trusted)
