"""Opaque, unguessable identifiers with a type prefix (`pln_…`, `qte_…`)."""

import base64
import secrets


def new_id(prefix: str) -> str:
    """`<prefix>_` followed by 120 random bits in lowercase base32."""
    return f"{prefix}_{base64.b32encode(secrets.token_bytes(15)).decode().lower()}"
