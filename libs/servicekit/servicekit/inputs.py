"""Bounds on what clients send, so that no value reaches date arithmetic or a database it would break.

- **Business dates** (`Day`): 2000-01-01 to 2099-12-31 inclusive. The platform adds at most 15
  months (a plan's schedule) and 14 days (a coupon's life) to a date, so nothing computed from an
  accepted date leaves the calendar; no phone, price or invoice of the programme falls outside it.
- **Timestamps** (`Instant`): timezone-aware, from 2000-01-01T00:00Z up to (not including)
  2100-01-01T00:00Z, normalised to UTC. A naive timestamp is refused, never guessed at.
- **Identifiers**: opaque ids (`pln_…`, `exc_…`) are letters, digits, `_` and `-`; model ids are
  lowercase slugs (`redmi-9-prime-4gb-64gb`). Neither can carry a NUL, which PostgreSQL refuses in
  text, or any other control or non-ASCII character.
- **Free text** stored as given (names, invoice numbers, order ids) matches `PRINTABLE`: no control
  characters, so no NUL; a pattern also makes pydantic refuse lone surrogates, which no database
  driver can encode.

Out of bounds is a 422 `validation_error` naming the field, like any other invalid input.
"""

from datetime import UTC, date, datetime
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator, AwareDatetime, StringConstraints

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
DAY_RANGE = f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
END_OF_INSTANTS = datetime(2100, 1, 1, tzinfo=UTC)

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_ID_LENGTH = 64
MAX_SLUG_LENGTH = 100

Day = Annotated[date, Interval(ge=EARLIEST_DAY, le=LATEST_DAY)]
"""A business date the platform can compute with (SPEC §3: an Asia/Kolkata calendar date)."""


def _in_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


Instant = Annotated[AwareDatetime, Interval(ge=EARLIEST_INSTANT, lt=END_OF_INSTANTS), AfterValidator(_in_utc)]
"""A timezone-aware moment inside the platform's range, in UTC."""

OpaqueId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
"""An identifier as `servicekit.ids.new_id` makes them (type prefix, `_`, base32)."""

Slug = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SLUG_LENGTH, pattern=SLUG_PATTERN)]
"""A readable lowercase slug such as a model id."""
