"""`verify_webhook`: a genuine delivery opens in one call; a forged, altered or stale one raises."""

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest

from smartupgrade_partner import WebhookVerificationError, verify_webhook

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
BODY = json.dumps({"specversion": "1.0", "id": "e1", "type": "valuation.ExchangeAccepted", "subject": "exc_1", "sequence": "1".zfill(20), "data": {}}).encode()


def signed(secret: str, body: bytes, message_id: str = "msg_1", at: int | None = None) -> dict[str, str]:
    """Headers as the Standard Webhooks specification signs them (written out here, not borrowed from the platform)."""
    stamp = int(time.time()) if at is None else at
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": message_id, "webhook-timestamp": str(stamp), "webhook-signature": "v1," + base64.b64encode(digest).decode()}


def test_a_genuine_delivery_gives_the_event() -> None:
    assert verify_webhook(SECRET, signed(SECRET, BODY), BODY)["subject"] == "exc_1"


def test_headers_in_any_case_and_two_signatures_during_a_rotation() -> None:
    old = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    both = signed(SECRET, BODY) | {"webhook-signature": signed(SECRET, BODY)["webhook-signature"] + " " + signed(old, BODY)["webhook-signature"]}
    assert verify_webhook(old, {k.title(): v for k, v in both.items()}, BODY)["id"] == "e1"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b.replace(b"exc_1", b"exc_2")),
        lambda h, b: (h | {"webhook-id": "msg_2"}, b),
        lambda h, b: (signed("whsec_" + base64.b64encode(b"x" * 24).decode(), b), b),
        lambda h, b: (signed(SECRET, b, at=int(time.time()) - 3600), b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
    ],
)
def test_a_forged_altered_or_stale_delivery_raises(tamper) -> None:
    headers, body = tamper(signed(SECRET, BODY), BODY)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(SECRET, headers, body)
