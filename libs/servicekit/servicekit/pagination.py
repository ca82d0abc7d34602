"""Cursor pagination: one helper and one end-of-page rule for every list.

Each list declares the shape of its sort key as a `Keyset` (a tuple type such as
`NewestFirst = tuple[Instant, OpaqueId]`). A request asks for `?limit=` items (1 to 100) after an
optional `?cursor=`.

- **The cursor** is opaque to clients: base64url, without padding, of the JSON array of the last
  item's sort key (`["2021-03-01T06:30:00Z","pln_…"]`, `[17]`, `["redmi-9-4gb-64gb"]`). It is
  parsed strictly against the list's key shape (pydantic, strict JSON mode): the right number of
  elements, each of its declared type and bounds (timestamps timezone-aware and in range, ids of
  the id alphabet, sequence numbers positive 63-bit integers). Anything else — not base64url, not
  JSON, too long, nested, a naive or out-of-range timestamp, a float or a string where an integer
  belongs — is a 422 `validation_error` with field `cursor`, before any query runs.
- **End of page**: a list fetches `limit + 1` rows (`PageRequest.fetch`). `next_cursor` is set only
  when a further item exists; the last page, even an exactly full one, has `next_cursor: null`.
"""

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from annotated_types import Interval
from fastapi import Query
from pydantic import TypeAdapter, ValidationError

from servicekit.inputs import Instant, OpaqueId, Slug
from servicekit.problems import Problem

MAX_LIMIT = 100
MAX_CURSOR_CHARS = 512
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")

K = TypeVar("K")
T = TypeVar("T")

Sequence63 = Annotated[int, Interval(ge=1, le=2**63 - 1)]

NewestFirst = tuple[Instant, OpaqueId]
"""(created or issued at, id): an account's own records, newest first."""
InSequence = tuple[Sequence63]
"""An append-only log's sequence number, oldest first."""
BySlug = tuple[Slug]
"""A readable id such as a model id, in id order."""

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")]
CursorQuery = Annotated[str | None, Query(description="`next_cursor` of the previous page; opaque")]


def invalid_cursor() -> Problem:
    return Problem(422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "not a cursor from this API for this list"}])


class Keyset(Generic[K]):
    """The sort key of one list, and the cursors that carry it."""

    def __init__(self, shape: Any) -> None:
        self._adapter: TypeAdapter[K] = TypeAdapter(shape)

    def encode(self, key: K) -> str:
        """The cursor for a key; the key is validated too (and normalised: moments in UTC), so every cursor issued parses back."""
        return base64.urlsafe_b64encode(self._adapter.dump_json(self._adapter.validate_python(key))).decode().rstrip("=")

    def decode(self, cursor: str) -> K:
        """The sort key a cursor holds; anything this list did not issue is a validation error."""
        if len(cursor) > MAX_CURSOR_CHARS or not _BASE64URL.fullmatch(cursor):
            raise invalid_cursor()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            return self._adapter.validate_json(raw, strict=True)
        except (binascii.Error, ValueError, ValidationError) as exc:
            raise invalid_cursor() from exc

    def requests(self, default_limit: int) -> Callable[..., "PageRequest[K]"]:
        """A FastAPI dependency reading `?limit=` and `?cursor=` for this list."""
        if not 1 <= default_limit <= MAX_LIMIT:
            raise ValueError(f"default_limit must be 1..{MAX_LIMIT}")

        def page_request(limit: LimitQuery = default_limit, cursor: CursorQuery = None) -> PageRequest[K]:
            return PageRequest(limit, None if cursor is None else self.decode(cursor), self)

        return page_request


@dataclass(frozen=True)
class PageRequest(Generic[K]):
    """One page wanted: `limit` items after the sort key `after` (None: from the start)."""

    limit: int
    after: K | None
    keyset: Keyset[K]

    @property
    def fetch(self) -> int:
        """How many rows to read: one more than shown, to know whether another page exists."""
        return self.limit + 1

    def page(self, rows: Sequence[T], key: Callable[[T], K]) -> tuple[list[T], str | None]:
        """The items to show and `next_cursor`: set only when a further item exists."""
        items = list(rows[: self.limit])
        return items, (self.keyset.encode(key(items[-1])) if len(rows) > self.limit else None)
