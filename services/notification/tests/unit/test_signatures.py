"""Our Standard Webhooks signatures are what the `standardwebhooks` library verifies, and nothing else passes."""

import base64
import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from notification.domain import signing


def test_a_new_secret_is_whsec_and_24_random_bytes() -> None:
    secrets = {signing.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(s.startswith("whsec_") and len(base64.b64decode(s[6:])) == 24 for s in secrets)


@given(st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=5))
def test_the_library_verifies_what_we_sign(data: dict[str, str]) -> None:
    secret = signing.new_secret()
    body = json.dumps({"type": "valuation.ExchangeAccepted", "data": data}).encode()
    headers = signing.headers([secret], "msg_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers)["data"] == data


def test_each_live_secret_signs_and_a_stranger_secret_or_a_changed_body_fails() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"id":"1"}'
    headers = signing.headers([new, old], "msg_1", int(time.time()), body)
    assert Webhook(old).verify(body, headers) == {"id": "1"} and Webhook(new).verify(body, headers) == {"id": "1"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(b'{"id":"2"}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body, headers | {"webhook-id": "msg_2"})


def test_a_stale_timestamp_is_refused_by_the_receiver() -> None:
    secret = signing.new_secret()
    headers = signing.headers([secret], "msg_1", int(time.time()) - 3600, b"{}")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b"{}", headers)
