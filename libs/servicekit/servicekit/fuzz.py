"""Test support: hypothesis strategies for hostile input, and the check every answer to it must pass.

Used by each service's property tests (tests/integration/test_hostile_input.py): whatever a client
sends as a cursor, limit, date or id, the answer is never a 5xx, and every 4xx is problem+json.
"""

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Modest on purpose: each example is a request against a real database, and the suite must stay fast.
HOSTILE = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_of(value: Any) -> str:
    """A cursor in the platform's format holding any JSON value."""
    return b64(json.dumps(value).encode())


_NASTY = ["\x00", "\x01", "\x1f", "\x7f", "'", '"', "%", "%00", "/", "\\", ".", "..", "?", "#", " ", "\ufffd", "\u202e", "😀", "١٢٣"]
_with_nasty = st.tuples(st.text(max_size=12), st.sampled_from(_NASTY), st.text(max_size=12)).map("".join)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_moments = st.one_of(
    st.datetimes(timezones=st.none() | st.timezones()).map(datetime.isoformat),
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.timezones()).map(datetime.isoformat),
    st.dates().map(lambda d: d.isoformat()),
    st.integers(-(2**70), 2**70),
    st.sampled_from(["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2021-03-01T06:30:00"]),
)
_ids = st.one_of(st.text(max_size=80), _with_nasty, st.from_regex(r"[a-z]{3}_[a-z2-7]{24}", fullmatch=True), st.integers())


def cursors() -> st.SearchStrategy[str]:
    """Strings, base64 of junk, base64 of any JSON, and near misses of every list's key shape."""
    near_misses = st.one_of(
        st.tuples(_moments, _ids).map(lambda key: cursor_of(list(key))),
        st.lists(_moments | _ids, max_size=3).map(cursor_of),
        st.lists(_json, max_size=1).map(cursor_of),
        st.integers(-(2**80), 2**80).map(lambda n: cursor_of([n])),
    )
    junk = st.one_of(
        st.text(max_size=600),
        st.binary(max_size=300).map(b64),
        _json.map(cursor_of),
        st.integers(1, 2000).map(lambda depth: b64(b"[" * depth + b"]" * depth)),
    )
    return st.one_of(near_misses, near_misses, junk)


def limits() -> st.SearchStrategy[str]:
    return st.one_of(st.integers(-(2**70), 2**70).map(str), st.integers(0, 101).map(str), st.text(max_size=12))


def dates() -> st.SearchStrategy[str]:
    """Any calendar date (years 1 to 9999), the edges of the range, and text that only looks like a date."""
    return st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(["9999-12-31", "0001-01-01", "1999-12-31", "2000-01-01", "2099-12-31", "2100-01-01", "2021-02-29", "+10000-01-01"]),
        st.text(max_size=30),
        st.datetimes().map(lambda d: (d + timedelta(microseconds=1)).isoformat()),
    )


def ids() -> st.SearchStrategy[str]:
    """Path ids: any text with NULs and other control characters mixed in, very long ones, near misses."""
    return st.one_of(
        st.sampled_from(_NASTY),
        _with_nasty,
        st.text(min_size=1, max_size=120),
        st.integers(1, 5000).map(lambda n: "a" * n),
        st.from_regex(r"[a-z]{3}_[a-z2-7]{24}", fullmatch=True),
    )


def path_segment(value: str) -> str:
    """`value` as one percent-encoded path segment (so `/` or `?` in it cannot change the route)."""
    from urllib.parse import quote

    segment = quote(value, safe="")
    return {".": "%2E", "..": "%2E%2E"}.get(segment, segment)


def assert_handled(response: httpx.Response) -> None:
    """No 5xx; a 4xx is problem+json with a stable code."""
    assert response.status_code < 500, f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), response.headers["content-type"]
        body = response.json()
        assert body["status"] == response.status_code and body["code"], body
