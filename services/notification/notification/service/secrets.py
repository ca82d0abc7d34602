"""Webhook signing secrets at rest: Fernet (AES-128-CBC + HMAC) under a key from NOTIFICATION_SECRETS_KEY.

A copy of the database alone cannot sign a webhook; the key lives in the secret store beside the
database credentials, never in the repository (production refuses short or published keys).
"""

import base64
import hashlib

from cryptography.fernet import Fernet


class SecretBox:
    def __init__(self, key_material: str) -> None:
        # Any string from the secret store becomes a Fernet key: its SHA-256, base64url.
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key_material.encode()).digest()))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode()).decode()
