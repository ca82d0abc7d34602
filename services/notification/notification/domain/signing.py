"""Standard Webhooks signatures (https://www.standardwebhooks.com): what partners verify with `standardwebhooks`.

The signed content is `<webhook-id>.<webhook-timestamp>.<body>`; the signature HMAC-SHA256 with the
secret's key bytes (the base64 after `whsec_`), sent as `v1,<base64>`. During a secret rotation's
overlap the header carries one signature per live secret, space-separated; a receiver accepts any.
"""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
KEY_BYTES = 24


def new_secret() -> str:
    """`whsec_` + base64 of 24 random bytes: the form every standardwebhooks library accepts."""
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    content = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key_of(secret), content, hashlib.sha256).digest()).decode()


def headers(secrets_in_use: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret still in use (newest first)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in secrets_in_use),
    }
