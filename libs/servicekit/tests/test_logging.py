"""Logs never carry a full IMEI, coupon code, token or secret, in whatever form it was written."""

import logging
import re
import time
from urllib.parse import quote, quote_plus, unquote

import orjson
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from servicekit.logging import JsonFormatter, redact, request_id_var

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
codes = st.text(alphabet=CROCKFORD, min_size=16, max_size=16)
imeis = st.text(alphabet="0123456789", min_size=15, max_size=15)


def squeezed(text: str) -> str:
    """Log text as the scan reads it: escapes decoded, separators gone, upper case, look-alikes read as digits."""
    for _ in range(3):
        text = unquote(text)
    return re.sub(r"[\s\-+/]", "", text).upper().translate(str.maketrans("ILO", "110"))


def access_line(path: str) -> str:
    """What uvicorn's access log prints for a request to `path` (decoded by the server, then quoted again)."""
    return f'127.0.0.1:52114 - "GET {quote(path)} HTTP/1.1" 404'


def test_an_imei_keeps_only_its_last_four_digits() -> None:
    assert redact("GET /api/v1/catalog/devices/990008010000011") == "GET /api/v1/catalog/devices/***********0011"


def test_a_coupon_code_keeps_only_its_last_group() -> None:
    assert redact("code ABCD-EFGH-JKMN-PQRS redeemed") == "code ****-****-****-PQRS redeemed"


def test_tokens_and_secrets_are_removed() -> None:
    line = redact("Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2ln secret=hunter2 X-Signature: t=1,v1=abcdef")
    assert "eyJ" not in line and "hunter2" not in line and "abcdef" not in line


def test_the_json_formatter_redacts_messages_and_extra_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sold plan for %s", ("990008010000011",), None)
    record.imei = "990008010000011"
    line = JsonFormatter("enrolment").format(record)
    assert "990008010000011" not in line
    assert '"service":"enrolment"' in line


# --- the forms of the report: codes typed loosely, IMEIs written with separators ---------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/coupons/7kq4m2zd9xwbh3rt",
        "/api/v1/coupons/7KQ4M2ZD9XWBH3RT/events",
        "/api/v1/coupons/7kq4-m2zd-9xwb-h3rt/redemptions",
        "/api/v1/coupons/7kq4 m2zd 9xwb h3rt",
        "/api/v1/coupons/7KQ4  M2ZD\t9XWB H3RT/redemptions/rdm_x/release",
        "/api/v1/coupons/7kq4m-2zd9 xwbh3rt",
        "/api/v1/coupons/7kq4+m2zd+9xwb+h3rt",
        "/api/v1/coupons/7KQ4-M2ZD-9XWB-H3RT-",
        "/api/v1/coupons/ilo4-m2zd-9xwb-h3rt",
    ],
)
def test_a_code_in_a_coupon_path_is_masked_in_every_form_the_service_accepts(path: str) -> None:
    line = redact(access_line(path))
    assert "****-****-****-H3RT" in line, line
    assert "M2ZD" not in line.upper() and "9XWB" not in line.upper()


@pytest.mark.parametrize("form", ["ABCD EFGH JKMN PQRS", "abcd-efgh-jkmn-pqrs", "ABCDEFGHJKMNPQRS", "abcd%20efgh%20jkmn%20pqrs"])
def test_a_code_without_digits_is_masked_in_its_usual_forms(form: str) -> None:
    assert redact(f"coupon {form} redeemed") == "coupon ****-****-****-PQRS redeemed"


def test_a_segment_after_coupons_that_is_no_code_is_masked_whole_and_templates_stay() -> None:
    assert redact(access_line("/api/v1/coupons/not-quite-a-code/events")) == access_line("/api/v1/coupons/").replace(" HTTP", "[redacted]/events HTTP")
    assert redact("/api/v1/coupons/{code}/redemptions") == "/api/v1/coupons/{code}/redemptions"
    assert redact(access_line("/api/v1/me/coupons")) == access_line("/api/v1/me/coupons")


@pytest.mark.parametrize(
    "written",
    ["35-209900-176148-1", "35 209900 176148 1", "35/209900/176148/1", "352099-00-176148-1", "35%20209900%20176148%201", "35+209900+176148+1", "352099001761481"],
)
def test_an_imei_written_with_separators_keeps_only_its_last_four_digits(written: str) -> None:
    for text in (f"quote for {written} refused", access_line(f"/api/v1/catalog/devices/{written}"), f'{{"imei": "{written}"}}'):
        masked = redact(text)
        assert "***********1481" in masked and "352099" not in masked.replace(" ", "").replace("-", ""), masked


# --- every form, generated ---------------------------------------------------------------------------------------

LOOK_ALIKES = {"1": "1IiLl", "0": "0Oo"}


@st.composite
def typed_codes(draw: st.DrawFn, separators: st.SearchStrategy[str], anywhere: bool) -> tuple[str, str]:
    """A code and a way of typing it: any case, look-alikes, separators between groups (or between any characters)."""
    code = draw(codes)
    typed = ""
    for i, char in enumerate(code):
        if i and (anywhere or i % 4 == 0):
            typed += draw(separators)
        typed += draw(st.sampled_from(LOOK_ALIKES.get(char, char + char.lower())))
    return code, typed


TIGHT = st.sampled_from(["", "-", "--", "+", "%20", "%2D", "%2d"])
ANY = st.sampled_from(["", "-", " ", "  ", "\t", " - ", "\u00a0", "\u3000", "+", "%20"])


@given(typed_codes(ANY, anywhere=True), st.sampled_from(["", "/events", "/redemptions", "?account_id=acc_1"]))
def test_any_typed_form_in_a_coupon_path_is_masked(typed: tuple[str, str], rest: str) -> None:
    code, form = typed
    line = redact(access_line(f"/api/v1/coupons/{form}{rest}"))
    assert code not in squeezed(line)
    assert f"/api/v1/coupons/****-****-****-{code[-4:]}" in line or "[redacted]" in line  # '+' and '%' are no separators to the service


@given(typed_codes(ANY, anywhere=False), st.sampled_from(["coupon {} redeemed", '{{"code": "{}"}}', "code={}&x=1", "{}"]))
def test_a_code_split_between_its_groups_is_masked_anywhere(typed: tuple[str, str], context: str) -> None:
    code, form = typed
    assume(any(c.isdigit() for c in re.sub("%2[0Dd]", "", form)))  # without a digit, words apart are taken only as four groups
    line = redact(context.format(form))
    assert code not in squeezed(line)
    # Next to words that could belong to a code, they are masked with it and may lend it their last characters.
    assert f"****-****-****-{code[-4:]}" in line if " " not in context else "****-****-****-" in line


@given(typed_codes(TIGHT, anywhere=False))
def test_a_code_in_a_query_string_is_masked(typed: tuple[str, str]) -> None:
    code, form = typed
    line = redact(f'127.0.0.1:1 - "GET /api/v1/x?code={quote_plus(form)} HTTP/1.1" 200')
    assert code not in squeezed(line)


@given(imeis, st.lists(st.sampled_from(["", "", "-", " ", "/", " / ", "%20", "+", "%2F"]), min_size=14, max_size=14))
def test_an_imei_with_separators_anywhere_is_masked(imei: str, separators: list[str]) -> None:
    written = imei[0] + "".join(sep + digit for sep, digit in zip(separators, imei[1:], strict=True))
    for text in (f"imei {written} blocked", access_line(f"/api/v1/blocklist/{written}"), f"count 3 for {written}, 2 left"):
        line = redact(text)
        assert imei not in squeezed(line)
        assert "*" * 11 + imei[-4:] in line


@given(st.text(max_size=200))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


# --- what is not a code or an IMEI stays -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "request 4b1c2d3e4f5a69788796a5b4c3d2e1f0 done",  # a request id: 32 hex digits
        "request e352099001761481a1b2c3d4e5f6a7b8 done",  # one with a run of 15 digits
        "event 550e8400-e29b-41d4-a716-446655440000 dead-lettered",  # an event id
        "coupon cpn_7kq4m2zd9xwbh3rtabcdefgh for exc_7kq4m2zd9xwbh3rt",  # type-prefixed ids
        "traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        access_line("/api/v1/catalog/models/realme-x2-6gb-128gb"),
        access_line("/api/v1/catalog/models/mi-10t-pro-8gb-128gb"),
        "Redmi Note 9 Pro Max",
        "exchange accepted",
        "2021-03-01T06:30:00.123456+00:00",
        "expired coupons",
    ],
)
def test_identifiers_that_are_not_codes_or_imeis_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_signatures_secrets_and_tokens_are_removed_wherever_they_appear() -> None:
    signature = "9f" * 32
    line = redact(
        f"headers [(b'x-signature', b't=1700000000,v1={signature}'), (b'authorization', b'Bearer abc.def')] "
        f'{{"internal_secret": "s3cr3t", "partner_secret": "dev-secret-0001"}} body_sha256={"ab" * 32} '
        "X-Principal: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig-_x"
    )
    for leaked in (signature, "s3cr3t", "dev-secret-0001", "abc.def", "ab" * 32, "eyJhbGciOiJIUzI1NiJ9"):
        assert leaked not in line, line


def test_the_formatter_masks_the_access_log_the_request_id_and_fields_named_as_secrets() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:1", "GET", "/api/v1/coupons/7kq4m2zd9xwbh3rt", "1.1", 200), None
    )
    record.partner_secret = "dev-secret-0001"
    record.imei = 352099001761481  # a number is masked too
    record.count = 3
    token = request_id_var.set("7KQ4-M2ZD-9XWB-H3RT")  # a client chooses its X-Request-ID
    try:
        entry = orjson.loads(JsonFormatter("coupon").format(record))
    finally:
        request_id_var.reset(token)
    assert entry["message"] == '127.0.0.1:1 - "GET /api/v1/coupons/****-****-****-H3RT HTTP/1.1" 200'
    assert entry["request_id"] == "****-****-****-H3RT"
    assert entry["partner_secret"] == "[redacted]" and entry["imei"] == "***********1481" and entry["count"] == 3


def test_the_formatter_masks_exceptions() -> None:
    try:
        raise ValueError("no coupon 7kq4-m2zd-9xwb-h3rt for 35-209900-176148-1")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())
    line = JsonFormatter("coupon").format(record)
    assert "m2zd" not in line and "176148" not in line


@pytest.mark.parametrize("text", [" " * 50_000, "-" * 50_000, "a-" * 25_000, "1 " * 25_000, "secret" * 10_000, "%2" * 25_000, "coupons/" * 10_000])
def test_redaction_takes_linear_time_on_hostile_input(text: str) -> None:
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 2.0
