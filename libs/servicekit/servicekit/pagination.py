"""Cursor pagination: `?limit=` (max 100) and an opaque `?cursor=` holding the last sort key."""

import base64
from typing import Annotated, Any

import orjson
from fastapi import Query

from servicekit.problems import Problem

LimitQuery = Annotated[int, Query(ge=1, le=100, description="Page size, at most 100")]
CursorQuery = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


def encode_cursor(*sort_key: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(sort_key))).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The sort key a cursor holds; a cursor we did not make is a validation error."""
    if cursor is None:
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(value, list):
            raise ValueError("not a list")
        return value
    except ValueError as exc:
        raise Problem(422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "not a cursor from this API"}]) from exc
