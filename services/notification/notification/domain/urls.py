"""Which webhook URLs are accepted: the registration half of the SSRF stance (docs/security.md).

Production: https only, no credentials in the URL, and no host that names this network — localhost,
or an IP literal that is loopback, private, link-local (cloud metadata), multicast, reserved or
unspecified. Development and test also accept plain http to 127.0.0.1/localhost/[::1] (a receiver on
this machine). Hostnames are checked again when a delivery resolves them (service/delivering.py).
"""

import ipaddress
from urllib.parse import urlsplit

from servicekit.refusals import Refused

MAX_URL = 2000
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return bool(
        address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified
    )


def _refuse(message: str) -> Refused:
    return Refused("validation_error", f"The webhook URL is not accepted: {message}.", "url", field_error=message)


def check_url(url: str, loopback_allowed: bool) -> str:
    """The URL as given when acceptable, else a validation refusal naming `url`."""
    if len(url) > MAX_URL or any(ord(ch) < 33 for ch in url):
        raise _refuse(f"at most {MAX_URL} characters, no spaces or control characters")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unbalanced "[" where an IPv6 host would be
        raise _refuse("not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise _refuse("an absolute https URL is required")
    if parts.username is not None or parts.password is not None:
        raise _refuse("credentials in the URL are not accepted; authenticate the request by its signature")
    if parts.fragment:
        raise _refuse("a fragment is never sent; remove it")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise _refuse("the port is not a number from 0 to 65535") from None
    loopback = host in LOOPBACK_NAMES
    if loopback and loopback_allowed:
        return url
    if parts.scheme != "https":
        raise _refuse("an https URL is required")
    if loopback or host.endswith(".localhost"):
        raise _refuse("the host must be reachable on the internet, not this machine")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if is_internal_address(address):
        raise _refuse("the host must be a public address")
    return url
