"""Verifying a webhook from the platform in one call, with the `standardwebhooks` library.

Each delivery is a POST of a CloudEvent (JSON) signed by the Standard Webhooks specification:
`webhook-id` (dedupe on it: a retry carries the same id), `webhook-timestamp` (refused when more than
5 minutes from your clock) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`, one per live secret
while a rotation overlaps). Order one subject's events by their `sequence` attribute.
"""

from collections.abc import Mapping
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

__all__ = ["WebhookVerificationError", "verify_webhook"]


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes | str) -> dict[str, Any]:
    """The event, if `body` and `headers` are a genuine, fresh delivery signed with `secret` (`whsec_…`);
    raises WebhookVerificationError otherwise. Pass the raw body bytes, before any JSON parsing."""
    event = Webhook(secret).verify(body, dict(headers))
    if not isinstance(event, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return event
