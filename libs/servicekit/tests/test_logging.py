"""Logs never carry a full IMEI, coupon code, token or secret."""

import logging

from servicekit.logging import JsonFormatter, redact


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
