"""The one pagination helper: strict cursors for each key shape, and the end-of-page rule."""

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from servicekit.inputs import Day, Instant
from servicekit.pagination import MAX_CURSOR_CHARS, BySlug, InSequence, Keyset, NewestFirst, PageRequest
from servicekit.problems import Problem

NEWEST = Keyset[NewestFirst](NewestFirst)
LOG = Keyset[InSequence](InSequence)
SLUGS = Keyset[BySlug](BySlug)
AT = datetime(2021, 3, 1, 6, 30, 0, 123456, tzinfo=UTC)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_of(value: object) -> str:
    return b64(json.dumps(value).encode())


def refused(keyset: Keyset, cursor: str) -> bool:
    try:
        keyset.decode(cursor)
    except Problem as problem:
        assert (problem.status, problem.code) == (422, "validation_error")
        assert problem.errors and problem.errors[0]["field"] == "cursor"
        return True
    return False


# -- round trips ---------------------------------------------------------------------------------


def test_each_key_shape_survives_the_round_trip() -> None:
    assert NEWEST.decode(NEWEST.encode((AT, "pln_abc234"))) == (AT, "pln_abc234")
    assert LOG.decode(LOG.encode((17,))) == (17,)
    assert SLUGS.decode(SLUGS.encode(("redmi-9-prime-4gb-64gb",))) == ("redmi-9-prime-4gb-64gb",)


def test_a_cursor_is_unpadded_base64url_of_a_json_array_in_utc() -> None:
    cursor = NEWEST.encode((datetime(2021, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))), "exc_x"))
    assert "=" not in cursor
    assert json.loads(base64.urlsafe_b64decode(cursor + "==")) == ["2021-03-01T06:30:00Z", "exc_x"]


def test_a_decoded_moment_is_in_utc_whatever_offset_it_was_written_with() -> None:
    decoded, _ = NEWEST.decode(cursor_of(["2021-03-01T12:00:00+05:30", "cpn_x"]))
    assert decoded == datetime(2021, 3, 1, 6, 30, tzinfo=UTC) and decoded.utcoffset() == timedelta(0)


@FAST
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59), timezones=st.just(UTC)),
    ident=st.from_regex(r"[a-z]{3}_[a-z2-7]{1,24}", fullmatch=True),
    seq=st.integers(1, 2**63 - 1),
)
def test_every_key_we_issue_is_accepted_back(moment: datetime, ident: str, seq: int) -> None:
    assert NEWEST.decode(NEWEST.encode((moment, ident))) == (moment, ident)
    assert LOG.decode(LOG.encode((seq,))) == (seq,)


# -- what is refused -----------------------------------------------------------------------------

REFUSED = {
    "naive timestamp": (NEWEST, cursor_of(["2021-03-01T06:30:00", "pln_x"])),
    "date, no time": (NEWEST, cursor_of(["2021-03-01", "pln_x"])),
    "unix seconds": (NEWEST, cursor_of([1614580200, "pln_x"])),
    "offset pushing past year 9999": (NEWEST, cursor_of(["9999-12-31T23:59:59-23:59", "pln_x"])),
    "before year 1 in UTC": (NEWEST, cursor_of(["0001-01-01T00:00:00+14:00", "pln_x"])),
    "year 2100": (NEWEST, cursor_of(["2100-01-01T00:00:00Z", "pln_x"])),
    "one element short": (NEWEST, cursor_of(["2021-03-01T06:30:00Z"])),
    "one element too many": (NEWEST, cursor_of(["2021-03-01T06:30:00Z", "pln_x", 1])),
    "id not a string": (NEWEST, cursor_of(["2021-03-01T06:30:00Z", 5])),
    "id with a NUL": (NEWEST, cursor_of(["2021-03-01T06:30:00Z", "pln_\u0000"])),
    "id with a quote": (NEWEST, cursor_of(["2021-03-01T06:30:00Z", "pln_'x"])),
    "id too long": (NEWEST, cursor_of(["2021-03-01T06:30:00Z", "p" * 65])),
    "an object": (NEWEST, cursor_of({"at": "2021-03-01T06:30:00Z", "id": "pln_x"})),
    "sequence as a string": (LOG, cursor_of(["17"])),
    "sequence as a float": (LOG, cursor_of([17.0])),
    "sequence as a boolean": (LOG, cursor_of([True])),
    "sequence null": (LOG, cursor_of([None])),
    "sequence nested": (LOG, cursor_of([[17]])),
    "sequence zero": (LOG, cursor_of([0])),
    "sequence negative": (LOG, cursor_of([-1])),
    "sequence past 63 bits": (LOG, cursor_of([2**63])),
    "sequence of 5000 digits": (LOG, b64(b"[" + b"9" * 3000 + b"]")),
    "empty array": (LOG, cursor_of([])),
    "deeply nested": (LOG, b64(b"[" * 1000 + b"]" * 1000)),
    "not json": (LOG, b64(b"seventeen")),
    "not utf-8": (LOG, b64(b"\xff\xfe[1]")),
    "not base64url": (LOG, "WzE3XQ=="),
    "standard base64 alphabet": (SLUGS, b64(b'["a"]').replace("-", "+") + "/"),
    "impossible base64 length": (LOG, "WzE3X"),
    "non-ascii": (LOG, "Wz\u00e9E3XQ"),
    "empty": (LOG, ""),
    "overlong": (SLUGS, cursor_of(["a" * MAX_CURSOR_CHARS])),
    "slug with capitals": (SLUGS, cursor_of(["Redmi-9"])),
    "slug of another list's shape": (SLUGS, cursor_of(["2021-03-01T06:30:00Z", "pln_x"])),
}


@pytest.mark.parametrize("keyset, cursor", REFUSED.values(), ids=REFUSED.keys())
def test_anything_we_did_not_issue_is_a_validation_error_on_the_cursor(keyset: Keyset, cursor: str) -> None:
    assert refused(keyset, cursor)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
cursors = st.one_of(
    st.text(max_size=700),
    st.binary(max_size=400).map(b64),
    json_values.map(cursor_of),
    st.tuples(st.datetimes(timezones=st.none() | st.timezones()).map(datetime.isoformat), st.text(max_size=80)).map(lambda t: cursor_of(list(t))),
    st.integers().map(lambda n: cursor_of([n])),
)


@FAST
@given(cursor=cursors)
def test_decoding_any_string_yields_a_key_of_the_declared_shape_or_a_cursor_validation_error(cursor: str) -> None:
    keysets: tuple[Keyset[Any], ...] = (NEWEST, LOG, SLUGS)
    for keyset in keysets:
        try:
            key = keyset.decode(cursor)
        except Problem as problem:
            assert (problem.status, problem.code) == (422, "validation_error")
            assert problem.errors and problem.errors[0]["field"] == "cursor"
            continue
        assert isinstance(key, tuple)
        if keyset is NEWEST:
            moment, ident = key
            assert moment.utcoffset() == timedelta(0) and datetime(2000, 1, 1, tzinfo=UTC) <= moment < datetime(2100, 1, 1, tzinfo=UTC)
            assert ident.isascii() and "\x00" not in ident
        elif keyset is LOG:
            assert type(key[0]) is int and 1 <= key[0] < 2**63


# -- the end-of-page rule ------------------------------------------------------------------------


def rows(n: int) -> list[int]:
    return list(range(1, n + 1))


def test_a_page_asks_for_one_row_more_than_it_shows() -> None:
    assert PageRequest(20, None, LOG).fetch == 21


def test_a_cursor_only_when_a_further_item_exists() -> None:
    wanted = PageRequest(3, None, LOG)
    assert wanted.page(rows(4), lambda r: (r,)) == ([1, 2, 3], LOG.encode((3,)))
    assert wanted.page(rows(3), lambda r: (r,)) == ([1, 2, 3], None)  # exactly full and last: no cursor
    assert wanted.page(rows(2), lambda r: (r,)) == ([1, 2], None)
    assert wanted.page([], lambda r: (r,)) == ([], None)


@FAST
@given(total=st.integers(0, 60), limit=st.integers(1, 100))
def test_paging_through_any_list_shows_every_item_once_and_ends_without_a_cursor(total: int, limit: int) -> None:
    items, after, pages = rows(total), None, 0
    seen: list[int] = []
    while True:
        wanted = PageRequest(limit, after, LOG)
        fetched = [r for r in items if after is None or r > after[0]][: wanted.fetch]
        page, cursor = wanted.page(fetched, lambda r: (r,))
        seen += page
        pages += 1
        if cursor is None:
            break
        assert page, "a cursor never follows an empty page"
        after = LOG.decode(cursor)
    assert seen == items
    assert pages == max(1, -(-total // limit))  # an exactly full last page is the last one asked for


def test_the_dependency_reads_limit_and_cursor_and_refuses_a_bad_default() -> None:
    read = LOG.requests(default_limit=100)
    assert read(limit=5, cursor=LOG.encode((9,))) == PageRequest(5, (9,), LOG)
    assert read(limit=5, cursor=None).after is None
    with pytest.raises(ValueError):
        LOG.requests(default_limit=101)


# -- the platform's bounds -----------------------------------------------------------------------


def test_business_dates_run_from_2000_to_2099() -> None:
    day = TypeAdapter(Day)
    assert day.validate_python(date(2000, 1, 1)) == date(2000, 1, 1)
    assert day.validate_python("2099-12-31") == date(2099, 12, 31)
    for outside in ("1999-12-31", "2100-01-01", "9999-12-31", "0001-01-01"):
        with pytest.raises(ValidationError):
            day.validate_python(outside)


def test_instants_must_carry_a_zone_and_fall_in_range() -> None:
    instant = TypeAdapter(Instant)
    assert instant.validate_python("2021-03-01T12:00:00+05:30") == datetime(2021, 3, 1, 6, 30, tzinfo=UTC)
    for outside in ("2021-03-01T12:00:00", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"):
        with pytest.raises(ValidationError):
            instant.validate_python(outside)
