"""Strict money: an amount a client sends is a JSON integer of paise, never something that merely converts to one.

pydantic's lax mode would take `"4999900"`, `1234567.0` and `true` (one paisa) for an `int`; these strict
types refuse all three with 422 `validation_error` naming the field, and servicekit.problems words the
message of a `*_paise` field as "An integer number of paise is required". Bounds stay on each field
(`Field(gt=0, le=...)`).
"""

from typing import Annotated

from pydantic import Strict

Paise = Annotated[int, Strict()]
"""An amount of money in paise (SPEC §3): a JSON integer, not a string, decimal or boolean."""

Quantity = Annotated[int, Strict()]
"""A count of items: a JSON integer, not a string, decimal or boolean."""

PAISE_REQUIRED = "An integer number of paise is required: a JSON integer, not a string, decimal or boolean"
